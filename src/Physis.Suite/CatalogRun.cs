using Physis.Infrastructure.Distributed;
using Physis.Runs;
using Physis.Runs.Configuration;
using Physis.Suite.Problems;
using Physis.Training;

namespace Physis.Suite;

/// <summary>
/// `physis solve PROBLEM`: a built-in problem run through <see cref="PinnRun"/> (or <see cref="EigenRun"/>) with its reference;
/// `physis solve --problem FILE`: a <see cref="ProblemFile"/> through the same <see cref="PinnRun"/>.
/// </summary>
public static class CatalogRun
{
    public static PinnRunResult Execute(ICatalogProblem problem, string preset, PinnSettings settings, string folder, bool resume,
        int checkpointEvery, params ITrainingCallback[] callbacks) =>
        Execute(problem, preset, settings, folder, resume, checkpointEvery, Communicator.SingleProcess, callbacks);

    /// <summary>A built-in problem trained by the ranks of <paramref name="communicator"/> together (data-parallel).</summary>
    public static PinnRunResult Execute(ICatalogProblem problem, string preset, PinnSettings settings, string folder, bool resume,
        int checkpointEvery, Communicator communicator, params ITrainingCallback[] callbacks)
    {
        settings.Validate();
        if (settings.HardConstraints && problem.HardConstraint is null)
            throw new ArgumentException($"Problem {problem.Name} offers no hard constraint; run it without hard constraints.");
        if (problem is ICatalogEigenProblem eigen)
        {
            if (settings.Marching.Windows > 1)
                throw new ArgumentException($"Problem {problem.Name} is an eigenvalue problem without time; time marching does not apply.");
            if (communicator.IsDistributed)
                throw new ArgumentException(
                    $"Problem {problem.Name} is an eigenvalue problem, which does not run data-parallel; run it in one process.");
            return EigenRun.Execute(eigen, preset, settings, folder, resume, checkpointEvery, callbacks);
        }
        return PinnRun.Execute(problem.Create(), settings, folder, new PinnRunOptions
        {
            Name = problem.Name,
            Description = problem.Description,
            Preset = preset,
            Reference = problem.Reference,
            HardConstraint = settings.HardConstraints ? problem.HardConstraint : null,
            ExactParameters = problem.ExactParameters,
            Resume = resume,
            CheckpointEvery = checkpointEvery,
            Callbacks = callbacks,
            Communicator = communicator,
        });
    }

    public static PinnRunResult Execute(ProblemFile file, string preset, PinnSettings settings, string folder, bool resume, int checkpointEvery,
        params ITrainingCallback[] callbacks) =>
        Execute(file, preset, settings, folder, resume, checkpointEvery, Communicator.SingleProcess, callbacks);

    /// <summary>A problem file trained by the ranks of <paramref name="communicator"/> together (data-parallel).</summary>
    public static PinnRunResult Execute(ProblemFile file, string preset, PinnSettings settings, string folder, bool resume, int checkpointEvery,
        Communicator communicator, params ITrainingCallback[] callbacks)
    {
        settings.Validate();
        if (settings.HardConstraints)
            throw new ArgumentException(
                $"Problem {file.Name} comes from a problem file, which offers no hard constraint; run it without hard constraints.");
        return PinnRun.Execute(file.Problem, settings, folder, new PinnRunOptions
        {
            Name = file.Name,
            Description = file.Description,
            Preset = preset,
            Reference = file.Reference,
            ExactParameters = file.ExactParameters,
            Definition = file.Definition,
            Resume = resume,
            CheckpointEvery = checkpointEvery,
            Callbacks = callbacks,
            Communicator = communicator,
        });
    }
}
