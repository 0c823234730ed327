// The small byte-level BPE tokenizer the tests share, with its merges listed so ids can be worked out by hand.
using Hybrid.Models.Tokenizers;

namespace Hybrid.Onnx.Tests;

/// <summary>
/// 256 byte ids (id = byte value), then the merges below in rank order, then one special token:
/// <code>
/// 256 "he"      257 "ll"     258 "hell"   259 "hello"   260 " w"
/// 261 "or"      262 " wor"   263 "ld"     264 " world"  265 &lt;|endoftext|&gt;
/// </code>
/// </summary>
internal static class SampleTokenizer
{
    public const string EndOfText = "<|endoftext|>";
    public const int He = 256, Ll = 257, Hell = 258, Hello = 259, SpaceW = 260, Or = 261, SpaceWor = 262, Ld = 263,
        SpaceWorld = 264, EndOfTextId = 265, VocabSize = 266;

    public static ByteLevelBpeTokenizer Create() => new(
        [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), (" ", "w"), ("o", "r"), (" w", "or"), ("l", "d"), (" wor", "ld")],
        [EndOfText]);
}
