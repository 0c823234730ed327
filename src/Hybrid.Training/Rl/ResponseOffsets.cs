// Where each response token ends in the decoded completion text, so character spans (reasoning steps) map to tokens.
using System.Text;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Training.Rl;

/// <summary>
/// Token t's character end is the length of the completion text decoded from tokens 0…t: a token holding the first
/// bytes of a multi-byte character ends before that character, the token completing it ends after it; tokens the decode
/// drops (special tokens, EOS) add nothing. Byte-level tokenizers are mapped exactly from each token's bytes in O(length);
/// other tokenizers, or a text that is not the plain UTF-8 decoding of those bytes, decode every prefix (O(length²)).
/// </summary>
public static class ResponseOffsets
{
    /// <summary>[length] nondecreasing character ends in <paramref name="text"/> (= decode(<paramref name="ids"/>)), each ≤ text.Length.</summary>
    public static int[] CharEnds(Tokenizer tokenizer, IReadOnlyList<int> ids, string text, Func<int[], string> decode)
    {
        var ends = new int[ids.Count];
        return tokenizer.IsByteLevel && FromBytes(tokenizer, ids, text, ends) ? ends : ByDecodingPrefixes(ids, text, decode);
    }

    /// <summary>The slow general form: end t = |decode(ids[0…t])|, kept nondecreasing and ≤ text.Length.</summary>
    public static int[] ByDecodingPrefixes(IReadOnlyList<int> ids, string text, Func<int[], string> decode)
    {
        int[] all = ids.ToArray();
        var ends = new int[all.Length];
        for (int t = 0, last = 0; t < ends.Length; t++)
            ends[t] = last = Math.Min(text.Length, Math.Max(last, decode(all[..(t + 1)]).Length));
        return ends;
    }

    private static bool FromBytes(Tokenizer tokenizer, IReadOnlyList<int> ids, string text, int[] ends)
    {
        var special = new HashSet<int>(tokenizer.SpecialTokenIds);
        var bytes = new List<byte>();
        var byteEnds = new int[ids.Count];
        for (int t = 0; t < ids.Count; t++)
        {
            if (!special.Contains(ids[t]) && ids[t] >= 0 && ids[t] < tokenizer.VocabSize)
                foreach (byte value in tokenizer.TokenBytes(ids[t])) bytes.Add(value);
            byteEnds[t] = bytes.Count;
        }
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        if (!bytes.SequenceEqual(utf8)) return false;
        // charsWithin[b] = UTF-16 units of the code points lying wholly in bytes [0, b)
        var charsWithin = new int[utf8.Length + 1];
        for (int c = 0, b = 0; c < text.Length;)
        {
            int units = char.IsSurrogatePair(text, c) ? 2 : 1;
            int n = Encoding.UTF8.GetByteCount(text.AsSpan(c, units));
            for (int k = 1; k < n; k++) charsWithin[b + k] = c;
            b += n;
            c += units;
            charsWithin[b] = c;
        }
        for (int t = 0; t < ids.Count; t++) ends[t] = charsWithin[byteEnds[t]];
        return true;
    }
}
