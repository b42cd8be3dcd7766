using Physis.Differentiation;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Tests.Differentiation;

public class AutogradEngineTests
{
    private static readonly double[,] Points = { { 0.3, -0.7 }, { -1.2, 0.4 }, { 0.9, 1.5 } };

    private static double[] Column(IFieldDerivatives d, int field, params int[] order) =>
        d.Get(new DerivativeRequest(field, new MultiIndex(order))).to(ScalarType.Float64).data<double>().ToArray();

    private static IFieldDerivatives Evaluate(AnalyticNetwork network, params DerivativeRequest[] required)
    {
        var x = tensor(Points.Cast<double>().ToArray(), [3, 2], ScalarType.Float64);
        return new AutogradEngine().Evaluate(network, x, required);
    }

    [Fact]
    public void FirstSecondAndMixedDerivativesMatchCalculus()
    {
        using var scope = NewDisposeScope();
        // u(x, t) = sin(x) t^3 + x^2 t
        var net = AnalyticNetwork.Of(c => c[0].sin() * c[1].pow(3) + c[0].square() * c[1]);
        var d = Evaluate(net);
        for (int i = 0; i < 3; i++)
        {
            double x = Points[i, 0], t = Points[i, 1];
            Assert.Equal(Math.Cos(x) * t * t * t + 2 * x * t, Column(d, 0, 1, 0)[i], 12);
            Assert.Equal(3 * Math.Sin(x) * t * t + x * x, Column(d, 0, 0, 1)[i], 12);
            Assert.Equal(-Math.Sin(x) * t * t * t + 2 * t, Column(d, 0, 2, 0)[i], 12);
            Assert.Equal(3 * Math.Cos(x) * t * t + 2 * x, Column(d, 0, 1, 1)[i], 12);
            Assert.Equal(6 * Math.Sin(x) * t, Column(d, 0, 0, 2)[i], 12);
            Assert.Equal(Math.Sin(x) * 6, Column(d, 0, 0, 3)[i], 12);
            Assert.Equal(-3 * Math.Cos(x) * t * t, Column(d, 0, 3, 1)[i], 12);
        }
    }

    [Fact]
    public void SeveralOutputsAreDifferentiatedSeparately()
    {
        using var scope = NewDisposeScope();
        // u = x y^2, v = exp(x) + y, p = x^3
        var net = AnalyticNetwork.Of(c => c[0] * c[1].square(), c => c[0].exp() + c[1], c => c[0].pow(3));
        var d = Evaluate(net);
        for (int i = 0; i < 3; i++)
        {
            double x = Points[i, 0], y = Points[i, 1];
            Assert.Equal(2 * x * y, Column(d, 0, 0, 1)[i], 12);
            Assert.Equal(2 * y, Column(d, 0, 1, 1)[i], 12);
            Assert.Equal(Math.Exp(x), Column(d, 1, 2, 0)[i], 12);
            Assert.Equal(1.0, Column(d, 1, 0, 1)[i], 12);
            Assert.Equal(6 * x, Column(d, 2, 2, 0)[i], 12);
            Assert.Equal(0.0, Column(d, 2, 0, 1)[i], 12);
        }
    }

    [Fact]
    public void DerivativeOfAConstantDirectionIsZero()
    {
        using var scope = NewDisposeScope();
        // u = 3x + 2: its second derivative does not depend on the input at all.
        var net = AnalyticNetwork.Of(c => 3 * c[0] + 2);
        var d = Evaluate(net);
        Assert.All(Column(d, 0, 1, 0), v => Assert.Equal(3.0, v, 12));
        Assert.All(Column(d, 0, 2, 0), v => Assert.Equal(0.0, v, 12));
    }

    [Fact]
    public void ResidualExpressionsEvaluateAsWritten()
    {
        using var scope = NewDisposeScope();
        var terms = new Terms(["x", "t"], ["u"], spatialDimension: 1);
        // Burgers residual of u = x t: u_t + u u_x - nu u_xx = x + x t^2.
        var residual = terms.Dt("u") + terms["u"] * terms.Dx("u") - 0.1 * terms.Dxx("u");
        var net = AnalyticNetwork.Of(c => c[0] * c[1]);
        var d = Evaluate(net, EvaluationContext.Requirements([residual]).ToArray());
        var values = new EvaluationContext(d, null, new Dictionary<TrainableParameter, Tensor>()).Evaluate(residual).data<double>().ToArray();
        for (int i = 0; i < 3; i++)
            Assert.Equal(Points[i, 0] + Points[i, 0] * Points[i, 1] * Points[i, 1], values[i], 12);
        Assert.Equal("((u_t + (u * u_x)) - (0.1 * u_xx))", residual.ToString());
    }
}
