// Benchmark datasets in the operator HDF5 layout, made with Physis' own solvers until `physis generate` exists.
//   dotnet run benchmarks/operators/generate_data.cs -- burgers N RESOLUTION SEED OUT.h5
//   dotnet run benchmarks/operators/generate_data.cs -- darcy N RESOLUTION SEED OUT.h5
//   dotnet run benchmarks/operators/generate_data.cs -- antiderivative N SENSORS SEED OUT.h5
#:project ../../src/Physis/Physis.csproj
#:property PublishAot=false
using System.Diagnostics;
using Physis.Data;
using Physis.Solvers.Darcy;
using Physis.Solvers.RandomFields;
using Physis.Solvers.Spectral;

if (args.Length != 5) { Console.Error.WriteLine("usage: burgers|darcy|antiderivative N RESOLUTION SEED OUT.h5"); return 2; }
string kind = args[0];
int count = int.Parse(args[1]), n = int.Parse(args[2]), seed = int.Parse(args[3]);
string output = args[4];
var clock = Stopwatch.StartNew();
OperatorDataset data;
switch (kind)
{
    case "burgers":
    {
        // FNO Burgers benchmark: u0 ~ N(0, 625 (-Lap + 25 I)^-2) periodic on [0, 1), nu = 0.1, target u(., 1).
        var field = new GaussianRandomField(1, n, alpha: 2, tau: 5, sigma: 25, BoundaryKind.Periodic);
        var inputs = new double[count * n];
        var targets = new double[count * n];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, () => new Etdrk4Solver1D(new Burgers1D(0.1), n, 1.0, 1e-3), (s, _, solver) =>
        {
            var u0 = field.Sample1D(new Random(seed * 1_000_003 + s));
            var u1 = solver.Solve(u0, [1.0]);
            u0.CopyTo(inputs, s * n);
            for (int j = 0; j < n; j++) targets[s * n + j] = u1[0, j];
            return solver;
        }, _ => { });
        data = new OperatorDataset(inputs, targets, count, [field.Coordinates()]);
        break;
    }
    case "darcy":
    {
        // FNO Darcy benchmark: a = 12 where a Neumann GRF N(0, (-Lap + 9 I)^-2) >= 0 and 3 elsewhere; -div(a grad u) = 1, u = 0 on the boundary.
        var field = new GaussianRandomField(2, n, alpha: 2, tau: 3, sigma: 1, BoundaryKind.Neumann);
        var inputs = new double[count * n * n];
        var targets = new double[count * n * n];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, s =>
        {
            var a = GaussianRandomField.ThresholdedField(field.Sample2D(new Random(seed * 1_000_003 + s)));
            var u = DarcySolver.Solve(a);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) (inputs[(s * n + i) * n + j], targets[(s * n + i) * n + j]) = (a[i, j], u[i, j]);
        });
        data = new OperatorDataset(inputs, targets, count, [field.Coordinates(), field.Coordinates()]);
        break;
    }
    case "antiderivative":
        data = AntiderivativeData.Generate(count, sensors: n, lengthScale: 0.2, seed: seed);
        break;
    default:
        Console.Error.WriteLine($"unknown dataset '{kind}'");
        return 2;
}
data.Write(output);
Console.WriteLine($"{kind}: {count} samples on [{string.Join(" x ", data.Grid)}] in {clock.Elapsed.TotalSeconds:F1} s -> {output}");
return 0;
