using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Constraints;
using Physis.Problems;
using TorchSharp;
using static Physis.Tests.Networks.NetworkAssert;
using static TorchSharp.torch;

namespace Physis.Tests.Networks;

public class HardConstraintTests
{
    private static Tensor BoundaryValue(Tensor x) => (x[.., 0..1] * 3).sin() + x[.., 1..2].square();

    /// <summary>g evaluated by the same tensor code the transform uses, so exactness is tested bit for bit.</summary>
    private static double[] Expected(double[,] p, Func<Tensor, Tensor> g)
    {
        using var scope = NewDisposeScope();
        return Values(g(Points(p)));
    }

    public static TheoryData<string> Shapes => ["rectangle", "disk", "rectangle-minus-disk", "disk-or-rectangle"];

    private static Physis.Geometry.Geometry Shape(string name) => name switch
    {
        "rectangle" => new Rectangle(-1, 0, 2, 1.5),
        "disk" => new Disk(0.5, -0.25, 0.8),
        "rectangle-minus-disk" => new Rectangle(-1, -1, 1, 1) - new Disk(0, 0, 0.4),
        "disk-or-rectangle" => new Disk(0, 0, 1) | new Rectangle(0, -0.5, 2, 0.5),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DirichletTransformHoldsOnTheBoundaryForRandomNetworks(string shape)
    {
        var geometry = Shape(shape);
        var boundary = geometry.SampleBoundary(200, new PointSampler(SamplingMethod.Uniform, 1)).Points;
        var interior = geometry.SampleInterior(200, new PointSampler(SamplingMethod.Uniform, 2));
        var distance = DistanceFunction.For(geometry);
        foreach (int seed in new[] { 1, 2, 3 })
        {
            using var net = new PinnNetwork(2, 1, new NetworkOptions { Architecture = new ModifiedMlpArchitecture(16, 2) }, seed, ScalarType.Float64,
                outputTransform: HardConstraints.Dirichlet(distance, BoundaryValue));
            var u = Forward(net, boundary).Cast<double>().ToArray();
            // Straight faces hold exactly; points on a circle carry the rounding of their own coordinates (x^2 + y^2 != r^2 by 1 ulp).
            double tolerance = shape == "rectangle" ? 0 : 1e-14;
            var errors = u.Zip(Expected(boundary, BoundaryValue), (a, b) => Math.Abs(a - b)).ToArray();
            Assert.True(errors.Max() <= tolerance, $"{shape}: boundary error {errors.Max():E2}");
        }
        // Inside, phi > 0, so the network is free there.
        using var phi = distance.Evaluate(Points(interior));
        Assert.True(phi.min().ToDouble() > -1e-12, $"{shape}: phi must not be negative inside");
        using var phiOnBoundary = distance.Evaluate(Points(boundary));
        Assert.True(phiOnBoundary.abs().max().ToDouble() <= 1e-14);
    }

    [Fact]
    public void BoxDistanceIsExactlyZeroOnEveryFaceAndFiniteInDerivativesAtCorners()
    {
        var phi = DistanceFunction.Box([0, -1, 2], [1, 1, 3]);
        var points = new double[,] { { 0, 0.3, 2.5 }, { 1, -0.2, 2.1 }, { 0.5, -1, 2.9 }, { 0.2, 1, 2.2 }, { 0.7, 0.1, 2 }, { 0.4, 0.4, 3 } };
        Assert.All(Values(phi.Evaluate(Points(points))), v => Assert.Equal(0.0, v));
        // First-order normalisation: |grad phi| = 1 at a face (away from corners).
        var onFace = Points(new double[,] { { 0, 0, 2.5 } }).requires_grad_(true);
        var gradient = autograd.grad([phi.Evaluate(onFace).sum()], [onFace])[0];
        Assert.Equal(1.0, gradient.norm().ToDouble(), 12);
        // At a corner the R-function has no derivative; the floor keeps it finite.
        var corner = Points(new double[,] { { 0, -1, 2.5 } }).requires_grad_(true);
        var cornerGradient = autograd.grad([phi.Evaluate(corner).sum()], [corner])[0];
        Assert.True(cornerGradient.isfinite().all().ToBoolean());
    }

    [Fact]
    public void InitialTransformHoldsAtTheInitialTimeAndOnTheSpatialBoundary()
    {
        // u(x, 0) = -sin(pi x) on [-1, 1] x [0, 1]; with the spatial distance also u(+-1, t) = 0.
        static Tensor U0(Tensor x) => -(x[.., 0..1] * Math.PI).sin();
        var transform = HardConstraints.Initial(timeCoordinate: 1, t0: 0, U0, spatialDistance: DistanceFunction.Interval(0, -1, 1));
        var options = new NetworkOptions
        {
            Embeddings = [new Physis.Networks.Embeddings.FourierFeatureOptions(8, 1.0)],
            Architecture = new PirateNetArchitecture(16, 2, 0.5),
        };
        using var net = new PinnNetwork(2, 1, options, seed: 6, dtype: ScalarType.Float64, outputTransform: transform);
        var initial = RandomPoints(50, 2, seed: 5);
        for (int i = 0; i < 50; i++) initial[i, 1] = 0;
        var u = Forward(net, initial);
        var u0 = Expected(initial, U0);
        for (int i = 0; i < 50; i++) Assert.Equal(u0[i], u[i, 0]);

        var sides = RandomPoints(20, 2, seed: 6, lo: 0, hi: 1);
        for (int i = 0; i < 20; i++) sides[i, 0] = i % 2 == 0 ? -1 : 1;
        var s = Forward(net, sides);
        var expected = Expected(sides, U0);   // -sin(+-pi): about 1e-16, not 0
        for (int i = 0; i < 20; i++) Assert.Equal(expected[i], s[i, 0]);

        // Away from t = 0 the network contributes.
        var later = Shift(initial, 1, 0.5);
        Assert.NotEqual(Expected(later, U0)[0], Forward(net, later)[0, 0]);
    }

    [Fact]
    public void VelocityTransformFixesValueAndVelocityAtTheStartAndTheSpatialBoundary()
    {
        // A wave on [0, 1] x [0.5, 1.5] starting at t0 = 0.5 with u0 = sin(pi x) + x^2 and v0 = cos(x).
        var problem = new PdeProblem(new Interval(0, 1).WithTime(0.5, 1.5), f => f.Dtt("u") - f.Dxx("u"), []);
        var options = new InitialConstraintOptions(f => Functions.Sin(Math.PI * f.X) + f.X * f.X, AlsoBoundary: true)
        {
            FixesVelocity = true,
            Velocity = f => Functions.Cos(f.X),
        };
        using var net = new PinnNetwork(2, 1, new NetworkOptions { Architecture = new MlpArchitecture([16, 16]) }, seed: 4, ScalarType.Float64,
            outputTransform: options.Create(problem));
        var start = RandomPoints(30, 2, seed: 7, lo: 0, hi: 1);
        for (int i = 0; i < 30; i++) start[i, 1] = 0.5;
        void StartHolds(PinnNetwork network)
        {
            var u = Forward(network, start);
            var ut = Derivative(network, start, 0, 0, 1);
            for (int i = 0; i < 30; i++)
            {
                double x = start[i, 0];
                Assert.Equal(Math.Sin(Math.PI * x) + x * x, u[i, 0], 14);
                Assert.Equal(Math.Cos(x), ut[i], 14);
            }
        }
        StartHolds(net);
        // On x = 0 and x = 1 for any t: u = u0 + (t - t0) v0 there, so a wave with u0 = v0 = 0 on the ends is held at 0.
        var ends = RandomPoints(10, 2, seed: 8, lo: 0.5, hi: 1.5);
        for (int i = 0; i < 10; i++) ends[i, 0] = i % 2;
        var atEnds = Forward(net, ends);
        for (int i = 0; i < 10; i++)
        {
            double x = ends[i, 0];
            Assert.Equal(Math.Sin(Math.PI * x) + x * x + (ends[i, 1] - 0.5) * Math.Cos(x), atEnds[i, 0], 14);
        }
        // The second time derivative at t0 is the network's own (2 phi N): free, not fixed.
        var utt = Derivative(net, start, 0, 0, 2);
        Assert.True(utt.Select(Math.Abs).Max() > 1e-3);
        // At rest: v0 = 0 by default.
        using var atRest = new PinnNetwork(2, 1, new NetworkOptions { Architecture = new MlpArchitecture([8]) }, seed: 5, ScalarType.Float64,
            outputTransform: (options with { Velocity = null }).Create(problem));
        Assert.All(Derivative(atRest, start, 0, 0, 1), v => Assert.Equal(0.0, v, 14));
        // The saturating factor keeps both conditions and leaves the network's term nearly undamped after a few tau.
        var saturating = options with { TimeScale = 0.05 };
        using var scaled = new PinnNetwork(2, 1, new NetworkOptions { Architecture = new MlpArchitecture([8]) }, seed: 6, ScalarType.Float64,
            outputTransform: saturating.Create(problem));
        StartHolds(scaled);
        var late = new double[,] { { 0.5, 1.5 } };
        scaled.OutputTransform = null;
        double raw = Forward(scaled, late)[0, 0];
        scaled.OutputTransform = saturating.Create(problem);
        double constrained = Forward(scaled, late)[0, 0], s2 = 1.0 / (0.05 * 0.05);
        Assert.Equal(Math.Sin(Math.PI * 0.5) + 0.25 + Math.Cos(0.5) + s2 / (1 + s2) * 0.25 * raw, constrained, 12);
        Assert.Contains("time scale", Assert.Throws<ArgumentException>(() => (options with { TimeScale = -1 }).Create(problem)).Message);
        Assert.Contains("FixesVelocity is off",
            Assert.Throws<ArgumentException>(() => (options with { FixesVelocity = false }).Create(problem)).Message);
    }

    [Fact]
    public void ExpressionValuesMatchTensorFunctions()
    {
        var terms = new PdeProblem(new Interval(-1, 1).WithTime(0, 1), f => f.Dt("u"), []).Terms;
        var fromExpr = HardConstraints.CoordinateFunction(-Functions.Sin(Math.PI * terms.X) + 0.5 * terms.T);
        var points = RandomPoints(10, 2, seed: 9);
        using var scope = NewDisposeScope();
        var x = Points(points);
        Assert.Equal(Values(-(x[.., 0..1] * Math.PI).sin() + 0.5 * x[.., 1..2]), Values(fromExpr(x)));
        Assert.Equal(Enumerable.Repeat(2.0, 10), Values(HardConstraints.CoordinateFunction(2.0)(x)));

        using var net = new PinnNetwork(2, 1, new NetworkOptions { Architecture = new MlpArchitecture([8]) }, dtype: ScalarType.Float64,
            outputTransform: HardConstraints.Initial(1, 0.0, -Functions.Sin(Math.PI * terms.X)));
        var initial = Shift(points, 1, 0);
        for (int i = 0; i < 10; i++) initial[i, 1] = 0;
        Assert.Equal(Expected(initial, p => -(p[.., 0..1] * Math.PI).sin()), Forward(net, initial).Cast<double>());
        Assert.Contains("only coordinates", Assert.Throws<ArgumentException>(() => HardConstraints.CoordinateFunction(terms["u"])).Message);
    }

    [Fact]
    public void ConstraintOptionsBuildTransformsFromTheProblem()
    {
        var problem = new PdeProblem(new Rectangle(0, 0, 1, 2).WithTime(0.5, 1), f => f.Dt("u") - f.Laplacian("u"), [], fields: ["u", "v"]);
        var initial = new InitialConstraintOptions(f => Functions.Sin(Math.PI * f.X) * f.Y, AlsoBoundary: true) { Fields = ["v"] };
        using var net = new PinnNetwork(3, 2, new NetworkOptions { Architecture = new MlpArchitecture([8]) }, seed: 1, ScalarType.Float64,
            outputTransform: initial.Create(problem));
        var points = RandomPoints(20, 3, seed: 3, lo: 0, hi: 1);
        for (int i = 0; i < 20; i++) points[i, 2] = 0.5;   // t = t0
        var v0 = Expected(points, p => (p[.., 0..1] * Math.PI).sin() * p[.., 1..2]);
        var y = Forward(net, points);
        for (int i = 0; i < 20; i++) Assert.Equal(v0[i], y[i, 1]);
        var side = RandomPoints(5, 3, seed: 4, lo: 0.5, hi: 1);
        for (int i = 0; i < 5; i++) side[i, 1] = 2;   // the face y = 2, any t
        var atSide = Forward(net, side);
        var vSide = Expected(side, p => (p[.., 0..1] * Math.PI).sin() * p[.., 1..2]);
        for (int i = 0; i < 5; i++) Assert.Equal(vSide[i], atSide[i, 1]);

        var dirichlet = new DirichletConstraintOptions(f => 1.0 + f.T).Create(problem);
        net.OutputTransform = dirichlet;
        var face = Forward(net, side);
        for (int i = 0; i < 5; i++) Assert.Equal(1.0 + side[i, 2], face[i, 0]);

        Assert.Contains("no field 'w'",
            Assert.Throws<ArgumentException>(() => new DirichletConstraintOptions { Fields = ["w"] }.Create(problem)).Message);
        var steady = new PdeProblem(new Interval(0, 1), f => f.Dxx("u"), []);
        Assert.Contains("needs a space-time geometry", Assert.Throws<ArgumentException>(() => initial.Create(steady)).Message);
    }

    [Fact]
    public void TransformsWorkOnTheExistingMlpAndConstrainChosenFieldsOnly()
    {
        var transform = HardConstraints.Dirichlet(DistanceFunction.Interval(0, 0, 1), 2.5, fields: [1]);
        using var mlp = new Mlp(1, [8, 8], 2, seed: 1, dtype: ScalarType.Float64, outputTransform: transform);
        var ends = new double[,] { { 0 }, { 1 } };
        var y = Forward(mlp, ends);
        Assert.Equal(2.5, y[0, 1]);
        Assert.Equal(2.5, y[1, 1]);
        mlp.OutputTransform = null;
        var raw = Forward(mlp, ends);
        Assert.Equal(raw[0, 0], y[0, 0]);   // field 0 is untouched
        Assert.NotEqual(2.5, raw[0, 1]);

        // Transforms chain: first Dirichlet on field 0, then on field 1.
        mlp.OutputTransform = HardConstraints.Dirichlet(DistanceFunction.Above(0, 0), -1.0, fields: [0]).Then(transform);
        var both = Forward(mlp, ends);
        Assert.Equal(-1.0, both[0, 0]);
        Assert.Equal(2.5, both[0, 1]);
    }

    [Fact]
    public void BadDistanceFunctionsAreRejectedClearly()
    {
        Assert.Contains("needs a < b", Assert.Throws<ArgumentException>(() => DistanceFunction.Interval(0, 1, 1)).Message);
        Assert.Contains("positive, finite radius", Assert.Throws<ArgumentException>(() => DistanceFunction.Ball([0, 0], -1)).Message);
        Assert.Contains("no built-in distance function for a Polygon",
            Assert.Throws<ArgumentException>(() => DistanceFunction.For(new Polygon([(0, 0), (1, 0), (0, 1)]))).Message);
        var wrongCoordinate = HardConstraints.Dirichlet(DistanceFunction.Interval(3, 0, 1));
        using var net = new Mlp(2, [4], 1, dtype: ScalarType.Float64, outputTransform: wrongCoordinate);
        Assert.Contains("uses coordinate 3", Assert.Throws<ArgumentException>(() => Forward(net, new double[,] { { 0.5, 0.5 } })).Message);
    }
}
