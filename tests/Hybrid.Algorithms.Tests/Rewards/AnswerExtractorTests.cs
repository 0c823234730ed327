// Answer extraction and numeric comparison: each extractor on hand-made completions, including malformed ones.
using Hybrid.Algorithms.Rewards;

namespace Hybrid.Algorithms.Tests.Rewards;

public class AnswerExtractorTests
{
    [Theory]
    [InlineData("5", "5")]
    [InlineData("2+3=5", "5")]
    [InlineData("first 12 then 7.25.", "7.25")]
    [InlineData("it is -3", "-3")]
    [InlineData("5-3", "3")]                 // a minus after a digit is subtraction, not a sign
    [InlineData("total 1,234 apples", "1,234")]
    [InlineData("x2 and y10", "10")]
    public void LastNumberTakesTheLastNumber(string text, string expected) => Assert.Equal(expected, new LastNumberExtractor().Extract(text));

    [Theory]
    [InlineData("no digits here")]
    [InlineData("")]
    public void LastNumberWithoutANumberIsNull(string text) => Assert.Null(new LastNumberExtractor().Extract(text));

    [Theory]
    [InlineData(@"so \boxed{42}.", "42")]
    [InlineData(@"\boxed{1} then \boxed{ 2 }", "2")]
    [InlineData(@"\boxed{\frac{1}{2}}", @"\frac{1}{2}")]
    public void BoxedTakesTheLastBalancedBox(string text, string expected) => Assert.Equal(expected, new BoxedExtractor().Extract(text));

    [Theory]
    [InlineData(@"\boxed{42")]               // never closed
    [InlineData(@"\boxed{}")]                // blank
    [InlineData("42")]
    public void BoxedMalformedIsNull(string text) => Assert.Null(new BoxedExtractor().Extract(text));

    [Theory]
    [InlineData("<think>a</think><answer> 7 </answer>", "7")]
    [InlineData("<answer>1</answer> later <answer>2</answer>", "2")]
    [InlineData("<answer>x\ny</answer>", "x\ny")]
    public void AnswerTagTakesTheLastTag(string text, string expected) => Assert.Equal(expected, new AnswerTagExtractor().Extract(text));

    [Theory]
    [InlineData("<answer>7")]
    [InlineData("7</answer>")]
    [InlineData("<answer>  </answer>")]
    public void AnswerTagMalformedIsNull(string text) => Assert.Null(new AnswerTagExtractor().Extract(text));

    [Fact]
    public void AnswerTagWithAStrayOpeningTakesTheWellFormedInnerTag() =>
        Assert.Equal("2", new AnswerTagExtractor().Extract("<answer>1<answer>2</answer>"));

    [Theory]
    [InlineData("答案是2", "2")]
    [InlineData("我爱你答案是2", "2")]
    [InlineData("as答案是1哦", "1")]
    [InlineData("答案是：  -4。", "-4")]
    [InlineData("答案是北京。其他", "北京")]
    [InlineData("答案是1，不对，答案是3", "3")]
    public void PrefixTakesWhatFollowsTheLastPrefix(string text, string expected) => Assert.Equal(expected, new PrefixExtractor().Extract(text));

    [Fact]
    public void PrefixIsConfigurable()
    {
        var extractor = new PrefixExtractor("The answer is", StringComparison.OrdinalIgnoreCase);
        Assert.Equal("12", extractor.Extract("so the answer is 12."));
        Assert.Equal("Paris", extractor.Extract("THE ANSWER IS: Paris."));
        Assert.Null(extractor.Extract("答案是2"));
        Assert.Null(new PrefixExtractor().Extract("我恨你"));
        Assert.Null(new PrefixExtractor().Extract("答案是"));
        Assert.Throws<ArgumentException>(() => new PrefixExtractor(""));
    }

    [Fact]
    public void FallbackTriesInOrder()
    {
        FallbackExtractor chain = FallbackExtractor.Default();
        Assert.Equal("3", chain.Extract(@"<answer>3</answer> \boxed{4} 5"));
        Assert.Equal("4", chain.Extract(@"\boxed{4} 5"));
        Assert.Equal("5", chain.Extract("just 5"));
        Assert.Null(chain.Extract("nothing"));
        Assert.Equal("answer_tag|boxed|last_number", chain.Name);
    }

    [Theory]
    [InlineData("5", 5.0)]
    [InlineData(" -12 ", -12.0)]
    [InlineData("3.50", 3.5)]
    [InlineData("1,234", 1234.0)]
    [InlineData("$7$", 7.0)]
    [InlineData("8.", 8.0)]
    [InlineData("3/4", 0.75)]
    [InlineData("-1/4", -0.25)]
    [InlineData(@"\frac{1}{8}", 0.125)]
    [InlineData(@"\dfrac{3}{2}", 1.5)]
    [InlineData("1e-3", 0.001)]
    public void NumbersParse(string text, double expected)
    {
        Assert.True(NumericAnswer.TryParse(text, out double value));
        Assert.Equal(expected, value, 12);
    }

    [Theory]
    [InlineData("five")]
    [InlineData("3,4")]
    [InlineData("1/0")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("2 3")]
    [InlineData("")]
    public void NonNumbersDoNotParse(string text) => Assert.False(NumericAnswer.TryParse(text, out _));

    [Theory]
    [InlineData("5", "5.0", true)]
    [InlineData("10/2", "5", true)]
    [InlineData("1,000", "1000", true)]
    [InlineData("0.3333333", "1/3", true)]  // |0.3333333 − 1/3| = 3.3e-8 ≤ 1e-6
    [InlineData("0.333", "1/3", false)]     // 3.3e-4 > 1e-6
    [InlineData("6", "5", false)]
    [InlineData(" Paris ", "Paris", true)]  // strings: trimmed, ordinal
    [InlineData("paris", "Paris", false)]
    public void MatchesComparesNumbersThenStrings(string answer, string target, bool expected) =>
        Assert.Equal(expected, NumericAnswer.Matches(answer, target));
}
