// Checks that a text file is valid UTF-8 and names the line and column of the first byte that is not.
using System.Buffers;
using System.Text.Unicode;

namespace Hybrid.Data;

/// <summary>
/// .NET's readers replace invalid UTF-8 with U+FFFD without a word, so a Latin-1 or truncated file would train on
/// replacement characters. Every dataset file passes through <see cref="Validate"/> first: one streaming pass over the bytes.
/// </summary>
public static class Utf8Lines
{
    /// <summary>Throws a <see cref="DatasetException"/> "file:line: … (column c, byte 0xNN)" at the first invalid sequence.</summary>
    public static void Validate(string path)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        char[] chars = ArrayPool<char>.Shared.Rent(1 << 20);
        try
        {
            long line = 1, lineStart = 0, offset = 0;   // offset: file position of buffer[0]
            int carried = 0;
            while (true)
            {
                int read = stream.Read(buffer, carried, buffer.Length - carried);
                int length = carried + read;
                bool final = read == 0;
                if (length == 0) return;
                OperationStatus status = Utf8.ToUtf16(buffer.AsSpan(0, length), chars, out int consumed, out _, replaceInvalidSequences: false, isFinalBlock: final);
                for (int i = 0; i < consumed; i++)
                    if (buffer[i] == (byte)'\n') { line++; lineStart = offset + i + 1; }
                if (status is OperationStatus.InvalidData || (final && status is OperationStatus.NeedMoreData))
                {
                    long column = offset + consumed - lineStart + 1;
                    bool truncated = final && Utf8.ToUtf16(buffer.AsSpan(consumed, length - consumed), chars, out _, out _,
                        replaceInvalidSequences: false, isFinalBlock: false) == OperationStatus.NeedMoreData;
                    string what = truncated || consumed == length ? "the file ends inside a character" : $"byte 0x{buffer[consumed]:X2}";
                    throw new DatasetException($"{path}:{line}: not valid UTF-8 (column {column}, {what}); save the file as UTF-8");
                }
                if (final) return;
                carried = length - consumed;               // an incomplete sequence at the end of the block, or no room in chars
                Array.Copy(buffer, consumed, buffer, 0, carried);
                offset += consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
