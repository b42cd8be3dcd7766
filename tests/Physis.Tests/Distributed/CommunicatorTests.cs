using Physis.Infrastructure.Distributed;
using Xunit;

namespace Physis.Tests.Distributed;

public class CommunicatorTests
{
    [Fact]
    public void OneProcessHoldsEveryRowAndItsSumsAreItsOwnValues()
    {
        var one = Communicator.SingleProcess;
        Assert.Equal((0L, 17L), one.Share(17));
        double[] values = [1.5, -2, 3];
        one.SumInRankOrder(values);
        Assert.Equal([1.5, -2, 3], values);
        Assert.Equal(values, one.AllGatherShares(values, 3));
        Assert.Throws<ArgumentException>(() => one.AllGatherShares(values, 4));
        Assert.Equal(0, one.Collectives);
    }
}
