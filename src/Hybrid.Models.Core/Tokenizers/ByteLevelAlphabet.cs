// GPT-2's reversible map from the 256 byte values to printable Unicode characters, used by byte-level BPE vocabularies.
using System.Text;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// Byte-level BPE works on UTF-8 bytes, each stored in the vocabulary as one printable character: bytes
/// <c>'!'..'~'</c> (33–126), <c>'¡'..'¬'</c> (161–172) and <c>'®'..'ÿ'</c> (174–255) stand for themselves; the other 68
/// bytes (0–32, 127–160, 173), in increasing order, become U+0100, U+0101, … (so the space 0x20 is <c>'Ġ'</c>, U+0120).
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    /// <summary>The vocabulary character of byte <paramref name="value"/>.</summary>
    public static char Symbol(byte value) => ByteToChar[value];

    /// <summary>The vocabulary spelling of <paramref name="text"/>: one character per UTF-8 byte.</summary>
    public static string Encode(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var symbols = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            symbols[i] = ByteToChar[bytes[i]];
        return new string(symbols);
    }

    /// <summary>The byte a vocabulary character stands for, or false when it is not one of the 256 symbols.</summary>
    public static bool TryByte(char symbol, out byte value) => CharToByte.TryGetValue(symbol, out value);

    /// <summary>The UTF-8 bytes a byte-level spelling stands for (the inverse of <see cref="Encode"/>).</summary>
    /// <exception cref="ArgumentException">A character is not one of the 256 byte symbols.</exception>
    public static byte[] Decode(string symbols)
    {
        var bytes = new byte[symbols.Length];
        for (int i = 0; i < symbols.Length; i++)
        {
            if (!CharToByte.TryGetValue(symbols[i], out bytes[i]))
                throw new ArgumentException($"'{symbols[i]}' (U+{(int)symbols[i]:X4}) at index {i} of \"{symbols}\" is not a byte-level symbol.", nameof(symbols));
        }
        return bytes;
    }

    /// <summary>The bytes a byte-level spelling stands for, or false when a character is not one of the 256 symbols.</summary>
    public static bool TryDecode(string symbols, out byte[] bytes)
    {
        bytes = new byte[symbols.Length];
        for (int i = 0; i < symbols.Length; i++)
        {
            if (!CharToByte.TryGetValue(symbols[i], out bytes[i])) return false;
        }
        return true;
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
