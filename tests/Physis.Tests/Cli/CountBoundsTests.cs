using Physis.Runs;

namespace Physis.Tests.Cli;

/// <summary>The library bound on time windows; the command line's bounds are in <see cref="BadInvocationTests"/>.</summary>
public class CountBoundsTests
{
    [Fact]
    public void TimeWindowsHaveAnUpperBound()
    {
        new MarchingSettings(10_000).Validate();
        var refused = Assert.Throws<ArgumentException>(() => new MarchingSettings(10_001).Validate());
        Assert.Contains("TimeWindows must be at most 10000, got 10001", refused.Message);
    }
}
