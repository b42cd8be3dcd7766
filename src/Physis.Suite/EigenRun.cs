using System.Diagnostics;
using Physis.Data.NumPy;
using Physis.Evaluation;
using Physis.Infrastructure;
using Physis.Networks.Constraints;
using Physis.Reporting;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Training;
using Physis.Training.Eigen;

namespace Physis.Suite;

/// <summary>
/// `physis solve` for an eigenvalue problem of the suite: finds the states one after another with
/// <see cref="EigenStates"/> (each checkpointed as stateN.ckpt, so --resume continues a killed run), then compares
/// energies with the exact ones and each state, normalised and with its sign aligned, with the exact eigenfunction.
/// Writes run.json, prediction.npz (x, psi1.., exact1..) and states.png.
/// </summary>
internal static class EigenRun
{
    public static PinnRunResult Execute(ICatalogEigenProblem problem, string preset, PinnSettings settings, string folder,
        bool resume, int checkpointEvery, ITrainingCallback[] callbacks)
    {
        var template = problem.Create();
        // Each state trains one network at a time, so one network's estimate is the run's.
        MemoryBudget.Require(PinnRun.EstimateMemory(template, settings), "the network's parameters, optimizer state and activations");
        var run = new RunFolder(folder);
        var identity = new RunIdentity("eigen", problem.Name, template.Describe());
        if (resume)
        {
            PinnRun.ResumedCountsOnly(run.Resume<PinnSettings>(identity), settings, folder, "an eigenvalue run");
            if (!Directory.EnumerateFiles(folder, "state*.ckpt").Any())
                throw new ArgumentException($"There is no state checkpoint in {folder}; start the run without resuming.");
        }
        else run.Start(identity, settings);

        var dtype = settings.DType;
        var options = problem.SolverOptions with { CheckpointFolder = folder, CheckpointEvery = checkpointEvery };
        // The walls' psi = 0 holds exactly through the output transform psi = d(x) N(x).
        var walls = new DirichletConstraintOptions().Create(template);
        var clock = Stopwatch.StartNew();
        var states = EigenStates.Solve(problem.CreateState, problem.InitialEnergies,
            n => PinnRun.CreateNetwork(template, settings, settings.Seed + n, dtype, walls),
            settings.Sampling, settings.Schedule.Phases(), new TrainerOptions { Seed = settings.Seed, DType = dtype }, options, callbacks);
        double wall = clock.Elapsed.TotalSeconds;
        try
        {
            var x = problem.EvaluationGrid;
            var points = new double[x.Length, 1];
            for (int i = 0; i < x.Length; i++) points[i, 0] = x[i];
            var energies = new Dictionary<string, double>();
            var stateErrors = new List<double>();
            var arrays = new Dictionary<string, NpyArray> { ["x"] = NpyArray.FromDoubles(x, x.Length) };
            var curves = new List<(string, double[], double[])>();
            foreach (var state in states)
            {
                int n = state.Index;
                energies[$"E{n + 1}"] = state.Eigenvalue;
                energies[$"E{n + 1}{ICatalogEigenProblem.RayleighSuffix}"] = problem.RayleighQuotient(state.Trainer.Predict);
                var exact = problem.NormalisedState(n);
                var predicted = Aligned(Column(state.Trainer.Predict(points)), exact, x[1] - x[0]);
                stateErrors.Add(Metrics.RelativeL2(predicted, exact));
                arrays[$"psi{n + 1}"] = NpyArray.FromDoubles(predicted, x.Length);
                arrays[$"exact{n + 1}"] = NpyArray.FromDoubles(exact, x.Length);
                curves.Add(($"psi{n + 1} PINN, E = {state.Eigenvalue:G7}", x, predicted));
                curves.Add(($"psi{n + 1} exact, E = {problem.ExactEnergies[n]:G7}", x, exact));
            }
            Npz.Write(run.File("prediction.npz"), arrays);
            Plots.Lines(run.File("states.png"), $"{problem.Name}: eigenstates", "x", "psi", curves);

            int iterations = states.Sum(s => s.Trainer.Step);
            var result = new PinnRunResult(stateErrors.Max(), iterations,
                states.Sum(s => s.Trainer.History.Count(r => r.Phase is "adam" or "multiadam")),
                states.Sum(s => s.Trainer.History.Count(r => r.Phase == "lbfgs")), wall,
                states[^1].Trainer.History.LastOrDefault()?.Total ?? double.NaN, 0, folder)
            {
                Parameters = energies,
                FieldErrors = states.ToDictionary(s => $"psi{s.Index + 1}", s => stateErrors[s.Index]),
            };
            double Exact(string energy) => problem.ExactParameters[problem.Target.ParameterOf(energy)];
            var record = new
            {
                Problem = problem.Name,
                Description = problem.Description,
                Preset = preset,
                Settings = settings,
                RelativeL2 = result.RelativeL2,
                Iterations = iterations,
                WallSeconds = wall,
                Parameters = energies,
                ExactParameters = problem.ExactParameters,
                EnergyRelativeErrors = energies.ToDictionary(e => e.Key, e => Math.Abs(e.Value - Exact(e.Key)) / Exact(e.Key)),
                FieldErrors = result.FieldErrors,
            };
            run.WriteJson(RunFolder.RunFile, record);
            return result;
        }
        finally
        {
            foreach (var state in states) state.Dispose();
        }
    }

    private static double[] Column(double[,] values) => Enumerable.Range(0, values.GetLength(0)).Select(i => values[i, 0]).ToArray();

    /// <summary>Scaled to unit L2 norm (trapezoidal rule) with the sign that matches the reference.</summary>
    private static double[] Aligned(double[] psi, double[] reference, double h)
    {
        double norm = 0, overlap = 0;
        for (int i = 0; i < psi.Length; i++)
        {
            double w = i == 0 || i == psi.Length - 1 ? 0.5 * h : h;
            norm += w * psi[i] * psi[i];
            overlap += w * psi[i] * reference[i];
        }
        double scale = Math.Sign(overlap == 0 ? 1 : overlap) / Math.Sqrt(norm);
        return psi.Select(v => v * scale).ToArray();
    }
}
