// The registry: lookups by name and the error that lists the valid names.
namespace Hybrid.Algorithms.Tests;

public class RegistryTests
{
    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var registry = new Registry<string>("toy axis").Add("b", () => "B").Add("a", () => "A");
        Assert.Equal("A", registry.Create("a"));
        var error = Assert.Throws<ArgumentException>(() => registry.Create("c"));
        Assert.Contains("unknown toy axis 'c'; known: a, b", error.Message);
        Assert.Throws<InvalidOperationException>(() => registry.Add("a", () => "again"));
    }
}
