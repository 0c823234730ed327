// The special tokens of Hybrid's tokenizers: ChatML turn markers and the end-of-text token (Qwen2's spellings).

namespace Hybrid.Models.Tokenizers;

/// <summary>Spellings shared by the BPE trainer, the chat format and model creation (the same as Qwen2's).</summary>
public static class SpecialTokens
{
    /// <summary>Ends a document; also the padding token of created models.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Opens a ChatML turn: <c>&lt;|im_start|&gt;role\n</c>.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>Closes a ChatML turn; a chat model stops generating after it.</summary>
    public const string ImEnd = "<|im_end|>";
}
