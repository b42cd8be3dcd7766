using Physis.Solvers.Spectral;

namespace Physis.Data.Datasets;

/// <summary>
/// A single periodic trajectory on x in [-1, 1), t in [0, 1] from a fixed initial condition: the reference solutions
/// of the jaxpi PINN benchmarks (Allen-Cahn, KdV), solved by ETDRK4 and recorded at equally spaced times from t = 0.
/// Where the solution has features the output grid does not resolve, the solve runs on a grid <c>refinement</c>
/// times finer and is subsampled.
/// </summary>
public sealed class TrajectoryDataset : DatasetGenerator
{
    public const int DefaultResolution = 512;
    public const int DefaultTimes = 201;
    public const int MinResolution = 16;
    public const int MaxResolution = 8192;
    public const double FinalTime = 1;
    public const double Period = 2;

    private readonly SpectralEquation1D _equation;
    private readonly Func<double, double> _initial;
    private readonly double _timeStep;
    private readonly int _refinement;
    private readonly Dictionary<string, double> _parameters;

    private TrajectoryDataset(string name, string equation, SpectralEquation1D pde, Func<double, double> initial,
        double timeStep, int refinement, Dictionary<string, double> parameters, int resolution, int times)
    {
        if (resolution is < MinResolution or > MaxResolution)
            throw new ArgumentException($"Resolution {resolution} is not supported for {name}: use {MinResolution} to {MaxResolution} grid points.");
        if (times < 2)
            throw new ArgumentException($"--times must be at least 2 for {name} (t = 0 and t = 1); got {times}.");
        Name = name;
        Equation = equation;
        _equation = pde;
        _initial = initial;
        _timeStep = timeStep;
        _refinement = refinement;
        _parameters = new Dictionary<string, double>(parameters) { ["dt"] = timeStep, ["solve_resolution"] = refinement * resolution };
        InputShape = [resolution];
        XCoordinate = new double[resolution];
        for (int j = 0; j < resolution; j++) XCoordinate[j] = -1 + Period * j / resolution;
        TimeCoordinate = TimesFromStart(FinalTime, times);
    }

    /// <summary>
    /// u_t = 1e-4 u_xx + 5 u - 5 u^3, u0 = x^2 cos(pi x). Its interfaces are about 0.005 wide: at t = 1 a 512-point
    /// solve is off by 3e-4, a 2048-point one by 3e-10 (against 4096 points), so the solve runs 4 times finer.
    /// Halving dt = 1e-5 changes u(t = 1) by 4e-11.
    /// </summary>
    public static TrajectoryDataset AllenCahn(int resolution = DefaultResolution, int times = DefaultTimes) =>
        new("allen-cahn", "u_t = d u_xx + r (u - u^3), periodic on [-1, 1), u(x, 0) = x^2 cos(pi x)",
            new AllenCahn1D(1e-4, 5), x => x * x * Math.Cos(Math.PI * x), 1e-5, 4,
            new() { ["d"] = 1e-4, ["r"] = 5 }, resolution, times);

    /// <summary>
    /// u_t + u u_x + 0.022^2 u_xxx = 0, u0 = cos(pi x) (Zabusky-Kruskal): solitons form from the cosine. 512 points
    /// resolve them (doubling changes u(t = 1) by 1e-14); halving dt = 1e-5 changes it by 2e-11.
    /// </summary>
    public static TrajectoryDataset Kdv(int resolution = DefaultResolution, int times = DefaultTimes) =>
        new("kdv", "u_t + alpha u u_x + beta u_xxx = 0, periodic on [-1, 1), u(x, 0) = cos(pi x)",
            new Kdv1D(1, 0.022 * 0.022), x => Math.Cos(Math.PI * x), 1e-5, 1,
            new() { ["alpha"] = 1, ["beta"] = 0.022 * 0.022 }, resolution, times);

    public override string Name { get; }
    public override string Equation { get; }
    public override int[] InputShape { get; }
    public override double[] XCoordinate { get; }
    public override double[] TimeCoordinate { get; }
    public override IReadOnlyDictionary<string, double> Parameters => _parameters;
    public override bool IsSingleTrajectory => true;

    public override SampleSolver CreateSolver()
    {
        int n = InputShape[0], fine = _refinement * n;
        var solver = new Etdrk4Solver1D(_equation, fine, Period, _timeStep);
        var u0 = new double[fine];
        var solution = new double[TimeCoordinate.Length * fine];
        for (int j = 0; j < fine; j++) u0[j] = _initial(-1 + Period * j / fine);
        return (_, input, tensor) =>
        {
            solver.SolveInto(u0, TimeCoordinate, solution);
            u0.CopyTo(solution, 0);  // the t = 0 row is the initial condition itself, not its FFT round trip
            for (int k = 0; k < TimeCoordinate.Length; k++)
                for (int j = 0; j < n; j++) tensor[k * n + j] = solution[k * fine + _refinement * j];
            tensor[..n].CopyTo(input);
        };
    }
}
