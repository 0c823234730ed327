// Replaces a whole folder at once: it is written complete beside the target, then swapped in with one rename.
using System.Runtime.InteropServices;

namespace Hybrid.Data;

/// <summary>
/// The folder counterpart of <see cref="AtomicFile"/>, for outputs that are only valid as a whole (an ONNX export: a graph
/// and its external data file must come from the same run). <see cref="Replace"/> writes into a hidden staging sibling
/// <c>.NAME.staging-PID</c>; when the writer returns, the staging folder takes the target's place by one
/// <c>renameat2(RENAME_EXCHANGE)</c> (Linux; a plain rename when the target is new), and the previous contents, now in
/// the staging path, are deleted. After a kill at any point the target is the complete old folder or the complete new
/// one; what a killed run leaves is a hidden sibling that the next <see cref="Replace"/> of the same target removes.
/// Where the exchange is unavailable (another OS or a file system without it), the old folder is first renamed aside to
/// <c>.NAME.previous-PID</c> and the next <see cref="Replace"/> puts it back if the kill fell between the two renames.
/// </summary>
public static class AtomicDirectory
{
    /// <summary>Writes <paramref name="write"/>(staging folder) and swaps the result in as <paramref name="target"/>; on an error the target is untouched.</summary>
    public static void Replace(string target, Action<string> write)
    {
        string full = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{target}' has no parent folder", nameof(target));
        string name = Path.GetFileName(full);
        string staging = Path.Combine(parent, $".{name}.staging-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(parent);
            CleanLeftovers(parent, name);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {full}: its folder {parent} is not writable ({ex.Message})", ex);
        }
        try
        {
            write(staging);
            if (!Directory.Exists(full))
                Directory.Move(staging, full);
            else if (!Exchange(staging, full))
            {
                string previous = Path.Combine(parent, $".{name}.previous-{Environment.ProcessId}");
                Directory.Move(full, previous);
                Directory.Move(staging, full);
                Directory.Delete(previous, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);  // the new folder on error, the old one after a swap
        }
    }

    /// <summary>
    /// Removes what killed runs left beside <paramref name="name"/>: staging folders of processes that no longer run, and
    /// puts a renamed-aside previous folder back when the target is missing (a kill between the two fallback renames).
    /// </summary>
    private static void CleanLeftovers(string parent, string name)
    {
        string full = Path.Combine(parent, name);
        foreach (string dir in Directory.EnumerateDirectories(parent, $".{name}.*"))
        {
            string suffix = Path.GetFileName(dir)[(name.Length + 2)..];
            int dash = suffix.LastIndexOf('-');
            if (dash < 0 || !int.TryParse(suffix[(dash + 1)..], out int pid) || IsRunning(pid) && pid != Environment.ProcessId) continue;
            string kind = suffix[..dash];
            if (kind == "previous" && !Directory.Exists(full)) Directory.Move(dir, full);
            else if (kind is "staging" or "previous") Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private const uint RenameExchange = 2;  // RENAME_EXCHANGE, linux/fs.h
    private const int AtFdCwd = -100;

    [DllImport("libc", SetLastError = true, EntryPoint = "renameat2")]
    private static extern int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    /// <summary>Swaps two existing folders atomically; false when the platform or file system cannot.</summary>
    private static bool Exchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            if (RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0) return true;
        }
        catch (EntryPointNotFoundException) { return false; }  // a C library without renameat2 (glibc < 2.28)
        int errno = Marshal.GetLastPInvokeError();
        if (errno is 22 or 38 or 95) return false;             // EINVAL, ENOSYS, EOPNOTSUPP: no exchange here
        throw new IOException($"cannot swap '{a}' into '{b}': {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
