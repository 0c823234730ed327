// The BPE trainer: merges on a tiny corpus worked out by hand, ids through the native tokenizer, UTF-8 round trips.
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Tests;

public sealed class BpeTrainerTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // Corpus "hug hug hug pug pun" → words "hug", " hug" ×2, " pug", " pun"; in byte-level spelling (Ġ = space):
    //   h u g (1), Ġ h u g (2), Ġ p u g (1), Ġ p u n (1)
    // pair counts: (u,g) 4, (h,u) 3, (Ġ,h) 2, (Ġ,p) 2, (p,u) 2, (u,n) 1
    // 1. (u,g) 4      → h ug, Ġ h ug ×2, Ġ p ug, Ġ p u n;  counts: (h,ug) 3, (Ġ,h) 2, (Ġ,p) 2, others 1
    // 2. (h,ug) 3     → hug, Ġ hug ×2, Ġ p ug, Ġ p u n;    counts: (Ġ,hug) 2, (Ġ,p) 2, others 1
    // 3. tie at 2: (Ġ,hug) before (Ġ,p) because "hug" < "p" ordinally
    // 4. (Ġ,p) 2      → Ġp ug, Ġp u n;                      all remaining pairs occur once < min_frequency 2: stop.
    private const string HugCorpus = "hug hug hug pug pun";
    private static readonly (string, string)[] HugMerges = [("u", "g"), ("h", "ug"), ("Ġ", "hug"), ("Ġ", "p")];
    private const int Ug = 256, Hug = 257, SpaceHug = 258, SpaceP = 259, EndOfText = 260, ImStart = 261, ImEnd = 262;

    [Fact]
    public void MergesOnATinyCorpusEqualTheHandWorkedOnes()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train([HugCorpus], new BpeTrainerOptions { VocabSize = 1000 });

        Assert.Equal(HugMerges, tokenizer.SymbolMerges);
        Assert.Equal(256 + 4 + 3, tokenizer.VocabSize);
        Assert.Equal([EndOfText, ImStart, ImEnd], new[] { SpecialTokens.EndOfText, SpecialTokens.ImStart, SpecialTokens.ImEnd }.Select(tokenizer.SpecialTokenId));
    }

    [Fact]
    public void TheTargetVocabularySizeStopsTraining()
    {
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train([HugCorpus], new BpeTrainerOptions { VocabSize = 256 + 3 + 2 });

        Assert.Equal(HugMerges[..2], tokenizer.SymbolMerges);
        Assert.Equal(261, tokenizer.VocabSize);
    }

    [Fact]
    public void MinFrequencyOneKeepsMergingSingletons()
    {
        // After the four merges above the pairs (Ġp,ug), (Ġp,u), (u,n) occur once each. With min_frequency 1 the tie goes
        // to the smallest left spelling: "u" (U+0075) < "Ġp" (U+0120 …), so (u,n) first; then (Ġp,ug) before (Ġp,un)
        // because "ug" < "un".
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train([HugCorpus], new BpeTrainerOptions { VocabSize = 1000, MinFrequency = 1 });

        Assert.Equal([.. HugMerges, ("u", "n"), ("Ġp", "ug"), ("Ġp", "un")], tokenizer.SymbolMerges);
    }

    [Fact]
    public void SpecialTokensInTheCorpusAreNotLearnedFrom()
    {
        // Without splitting at special tokens, "<|" and "|>" would each occur twice and be merged.
        ByteLevelBpeTokenizer tokenizer = BpeTrainer.Train(["x<|im_end|>y<|im_end|>"], new BpeTrainerOptions { VocabSize = 1000 });

        Assert.Empty(tokenizer.SymbolMerges);
    }

    [Fact]
    public void TooSmallAVocabularyIsRejectedNamingTheField()
    {
        var error = Assert.Throws<ArgumentException>(() => BpeTrainer.Train([HugCorpus], new BpeTrainerOptions { VocabSize = 200 }));

        Assert.Contains("VocabSize = 200", error.Message);
    }

    [Theory]
    [InlineData("hug", new[] { Hug })]
    [InlineData("hug pug", new[] { Hug, SpaceP, Ug })]                 // Ġ p u g → Ġ p ug → Ġp ug
    [InlineData(" hug pun", new[] { SpaceHug, SpaceP, 'u', 'n' })]     // (u,n) was never merged
    [InlineData("hughug", new[] { Hug, Hug })]                          // h ug h ug → hug hug; no (hug,hug) merge
    [InlineData("ugh", new[] { Ug, 'h' })]
    [InlineData("<|im_start|>hug<|im_end|>", new[] { ImStart, Hug, ImEnd })]
    public void TheNativeTokenizerEncodesWithTheHandDerivedMerges(string text, int[] expected)
    {
        BpeTrainer.Train([HugCorpus], new BpeTrainerOptions { VocabSize = 1000 }).Write(_tmp.Path, eosToken: SpecialTokens.ImEnd);
        Assert.Equal(expected, GenAITokenizerOracle.Encode(_tmp.Path, text));
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("The quick brown fox jumps over 13 lazy dogs!?  \t tabs\nand\r\nnewlines  ")]
    [InlineData("naïve café — Grüße, 日本語, Ελληνικά, עברית, Привет")]
    [InlineData("emoji 😀🚀 family 👩‍👩‍👧 flag 🇯🇵 skin 👍🏽")]
    [InlineData("control \u0001\u007f and nbsp\u00a0and soft\u00adhyphen")]
    [InlineData("12 + 30 = 42. 7 * 6 = 42.")]
    public void ArbitraryUtf8RoundTripsThroughTheTrainedTokenizer(string text)
    {
        // Train on text with multi-byte characters so that merges inside UTF-8 sequences exist too.
        string corpus = File.ReadAllText(ModelCreationTests.RepoFile("models/corpus/hybrid-corpus.txt")) + string.Concat(Enumerable.Repeat("\ncafé naïve 日本語 Привет 😀", 20));
        ByteLevelBpeTokenizer trained = BpeTrainer.Train([corpus], new BpeTrainerOptions { VocabSize = 600 });
        var strict = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);
        bool IsPartialCharacter(string symbols)
        {
            try { strict.GetString(ByteLevelAlphabet.Decode(symbols)); return false; }
            catch (System.Text.DecoderFallbackException) { return true; }
        }
        Assert.Contains(trained.SymbolMerges, m => IsPartialCharacter(m.Left) || IsPartialCharacter(m.Right));  // merges inside a character
        trained.Write(_tmp.Path, eosToken: SpecialTokens.ImEnd);
        int[] ids = GenAITokenizerOracle.Encode(_tmp.Path, text);

        Assert.All(ids, id => Assert.InRange(id, 0, trained.VocabSize - 1));
        Assert.Equal(text, GenAITokenizerOracle.Decode(_tmp.Path, ids));
        Assert.Equal(trained.EncodeReference(text), ids);  // the native encoder agrees with the slow reference
    }

    [Fact]
    public void TheNativeEncoderAgreesWithTheReferenceOnTheWholeCorpus()
    {
        string corpus = File.ReadAllText(ModelCreationTests.RepoFile("models/corpus/hybrid-corpus.txt"));
        ByteLevelBpeTokenizer trained = BpeTrainer.Train([corpus], new BpeTrainerOptions { VocabSize = 700 });
        trained.Write(_tmp.Path);
        int[] native = GenAITokenizerOracle.Encode(_tmp.Path, corpus), reference = trained.EncodeReference(corpus);

        Assert.Equal(reference.Length, native.Length);
        Assert.Equal(reference, native);
        Assert.True(native.Length < corpus.Length / 2, $"{native.Length} tokens for {corpus.Length} characters: the merges barely compress");
    }
}
