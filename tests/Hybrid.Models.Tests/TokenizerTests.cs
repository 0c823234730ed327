// The model-folder tokenizer: special ids from tokenizer_config.json, vocabulary size, token bytes and character offsets.
using System.Text;
using System.Text.Json.Nodes;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Tests;

public sealed class TokenizerTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public TokenizerTests()
    {
        // The hand-worked tokenizer of BpeTrainerTests: 256 "ug", 257 "hug", 258 " hug", 259 " p", 260-262 special tokens.
        BpeTrainer.Train(["hug hug hug pug pun"], new BpeTrainerOptions { VocabSize = 1000 })
            .Write(_tmp.Path, eosToken: SpecialTokens.ImEnd, padToken: SpecialTokens.EndOfText, chatTemplate: ChatTemplate.Jinja);
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void SpecialIdsAndSizesComeFromTheFolder()
    {
        using Tokenizer tokenizer = Tokenizer.Open(_tmp.Path);

        Assert.Equal(263, tokenizer.VocabSize);
        Assert.Equal([260, 261, 262], tokenizer.SpecialTokenIds);
        Assert.Equal((SpecialTokens.ImEnd, 262), (tokenizer.EosToken, tokenizer.EosTokenId));
        Assert.Equal((SpecialTokens.EndOfText, 260), (tokenizer.PadToken, tokenizer.PadTokenId));
        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal(ChatTemplate.Jinja, tokenizer.ChatTemplate);
        Assert.True(tokenizer.IsByteLevel);
        Assert.Equal(258, tokenizer.TokenId("Ġhug"));
        Assert.Equal(261, tokenizer.TokenId(SpecialTokens.ImStart));
        Assert.Equal(" hug"u8.ToArray(), tokenizer.TokenBytes(258).ToArray());
        Assert.Equal("<|im_end|>"u8.ToArray(), tokenizer.TokenBytes(262).ToArray());
    }

    [Fact]
    public void EncodeAndDecodeGiveTheHandWorkedIds()
    {
        using Tokenizer tokenizer = Tokenizer.Open(_tmp.Path);

        Assert.Equal([257, 259, 256], tokenizer.Encode("hug pug"));
        Assert.Equal("hug pug", tokenizer.Decode([257, 259, 256]));
        Assert.Equal("hug", tokenizer.Decode([261, 257, 262]));  // special tokens are dropped on decode
    }

    [Theory]
    [InlineData("hug pug", new[] { 0, 3, 3, 5, 5, 7 })]
    [InlineData("é", new[] { 0, 1, 0, 1 })]                       // two byte tokens of one character: both cover it
    [InlineData("a😀b", new[] { 0, 1, 1, 3, 1, 3, 1, 3, 1, 3, 3, 4 })]  // a surrogate pair is 2 UTF-16 units, 4 bytes
    [InlineData("<|im_start|>hug", new[] { 0, 12, 12, 15 })]
    public void OffsetsGiveEachTokensCharacters(string text, int[] flat)
    {
        using Tokenizer tokenizer = Tokenizer.Open(_tmp.Path);

        (int[] ids, (int Start, int End)[] offsets) = tokenizer.EncodeWithOffsets(text);

        Assert.Equal(tokenizer.Encode(text), ids);
        Assert.Equal(flat, offsets.SelectMany(o => new[] { o.Start, o.End }));
    }

    [Fact]
    public void AddedTokenObjectsInTheConfigAreAccepted()
    {
        string config = Path.Combine(_tmp.Path, "tokenizer_config.json");
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(config))!;
        json["eos_token"] = new JsonObject { ["__type"] = "AddedToken", ["content"] = SpecialTokens.EndOfText, ["special"] = true };
        json["bos_token"] = null;
        File.WriteAllText(config, json.ToJsonString());

        using Tokenizer tokenizer = Tokenizer.Open(_tmp.Path);

        Assert.Equal(260, tokenizer.EosTokenId);
        Assert.Null(tokenizer.BosToken);
    }

    [Fact]
    public void AnUnknownSpecialTokenOrAMissingFileIsNamed()
    {
        string config = Path.Combine(_tmp.Path, "tokenizer_config.json");
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(config))!;
        json["pad_token"] = "<pad>";
        File.WriteAllText(config, json.ToJsonString());

        var unknown = Assert.Throws<InvalidDataException>(() => Tokenizer.Open(_tmp.Path));
        Assert.Contains("'pad_token' = \"<pad>\"", unknown.Message);
        Assert.Contains("tokenizer_config.json", unknown.Message);

        File.Delete(config);
        var missing = Assert.Throws<FileNotFoundException>(() => Tokenizer.Open(_tmp.Path));
        Assert.Contains("tokenizer_config.json", missing.Message);
    }
}
