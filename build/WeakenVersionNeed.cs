// MSBuild task: marks one symbol-version requirement of an ELF shared library weak, in a copy beside it (see the summary).
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++) for one symbol,
/// <c>std::ios_base_library_init</c>, a marker GCC 13 emits for units that include &lt;iostream&gt; and that nothing calls
/// (the library has no relocation against it). Debian 12 and Ubuntu 22.04 ship GCC 12's libstdc++, so the dynamic
/// loader refuses the whole library. When the system libstdc++ does not define <see cref="Version"/>, this task sets
/// <c>VER_FLG_WEAK</c> on that one entry of the library's <c>.gnu.version_r</c> (the loader then only warns), writing a
/// patched copy and renaming it over <see cref="Library"/>, which must be a build output (never the NuGet cache).
/// Where the system libstdc++ has the version it does nothing. Every offset read is bounds-checked.
/// </summary>
public sealed class WeakenVersionNeed : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The shared library to patch in place (an output-folder copy).</summary>
    [Required] public string Library { get; set; } = "";

    /// <summary>The file name the requirement is on, e.g. <c>libstdc++.so.6</c>.</summary>
    [Required] public string NeededFile { get; set; } = "";

    /// <summary>The version to mark weak, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    [Required] public string Version { get; set; } = "";

    /// <summary>The system's copy of <see cref="NeededFile"/>, searched for <see cref="Version"/>.</summary>
    [Required] public string SystemLibrary { get; set; } = "";

    /// <summary>True when the library was changed.</summary>
    [Output] public bool Patched { get; set; }

    public override bool Execute()
    {
        try
        {
            if (!File.Exists(Library)) return true;
            if (File.Exists(SystemLibrary) && Contains(File.ReadAllBytes(SystemLibrary), Encoding.ASCII.GetBytes(Version + "\0")))
                return true;  // the system provides the version: nothing to do
            byte[] elf = File.ReadAllBytes(Library);
            int entry = FindVernaux(elf);
            if (entry < 0) return true;  // no such requirement (another package version): nothing to do
            ushort flags = BitConverter.ToUInt16(elf, entry + 4);
            if ((flags & VerFlgWeak) != 0) return true;  // already weak
            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, entry + 4);
            string temp = Library + ".weak-tmp";
            File.WriteAllBytes(temp, elf);
            File.Replace(temp, Library, null);  // a rename: a hard link into the NuGet cache is never written through
            Patched = true;
            Log.LogMessage(MessageImportance.High, $"{Library}: {NeededFile} {Version} marked weak (the system libstdc++ lacks it; nothing calls the one symbol that needs it)");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.LogError($"{Library}: cannot mark {Version} weak: {ex.Message}");
            return false;
        }
    }

    /// <summary>The file offset of the Elf64_Vernaux naming <see cref="Version"/> under <see cref="NeededFile"/>, or -1.</summary>
    private int FindVernaux(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a little-endian 64-bit ELF file");
        long shoff = Read64(elf, 0x28);
        int shentsize = Read16(elf, 0x3A), shnum = Read16(elf, 0x3C);
        if (shentsize < 64) throw new InvalidDataException($"section header size {shentsize}");
        for (int i = 0; i < shnum; i++)
        {
            long header = shoff + (long)i * shentsize;
            Check(elf, header, 64);
            if (Read32(elf, header + 4) != ShtGnuVerneed) continue;
            long offset = Read64(elf, header + 0x18), size = Read64(elf, header + 0x20);
            uint link = Read32(elf, header + 0x28), count = Read32(elf, header + 0x2C);
            Check(elf, offset, size);
            long strings = Read64(elf, shoff + (long)link * shentsize + 0x18);  // .dynstr's sh_offset
            long need = offset;
            for (uint n = 0; n < count; n++)
            {
                Check(elf, need, 16);
                int auxCount = Read16(elf, need + 2);
                string file = CString(elf, strings + Read32(elf, need + 4));
                long aux = need + Read32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    Check(elf, aux, 16);
                    if (file == NeededFile && CString(elf, strings + Read32(elf, aux + 8)) == Version) return checked((int)aux);
                    aux += Read32(elf, aux + 12);
                }
                uint next = Read32(elf, need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return -1;
    }

    private static void Check(byte[] elf, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > elf.Length - length) throw new InvalidDataException($"offset {offset} + {length} is outside the {elf.Length}-byte file");
    }

    private static ushort Read16(byte[] b, long at) { Check(b, at, 2); return BitConverter.ToUInt16(b, (int)at); }
    private static uint Read32(byte[] b, long at) { Check(b, at, 4); return BitConverter.ToUInt32(b, (int)at); }
    private static long Read64(byte[] b, long at) { Check(b, at, 8); return (long)BitConverter.ToUInt64(b, (int)at); }

    private static string CString(byte[] b, long at)
    {
        Check(b, at, 1);
        int end = Array.IndexOf(b, (byte)0, (int)at);
        if (end < 0) throw new InvalidDataException($"unterminated string at {at}");
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int k = 0;
            while (k < needle.Length && haystack[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }
}
