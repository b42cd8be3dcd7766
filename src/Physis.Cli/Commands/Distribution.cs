using System.CommandLine;
using Physis.Data.Datasets;
using Physis.Infrastructure.Distributed;

namespace Physis.Cli.Commands;

/// <summary>
/// The --distributed flag of the commands that run data-parallel (solve, train-operator, generate). Under mpiexec or
/// srun Physis finds its rank without it; the flag starts MPI where no process manager says so.
/// </summary>
internal static class Distribution
{
    public static Option<bool> Option() => new("--distributed")
    {
        Description = "Run as one rank of an MPI job (found without this flag under mpiexec.mpich or srun): "
            + "the work is split across ranks and rank 0 writes the outputs.",
    };

    /// <summary>
    /// The logical cores each rank on this node may use: all of them in a single process, shared among the ranks MPICH's
    /// Hydra (MPI_LOCALNRANKS) or Slurm (SLURM_NTASKS_PER_NODE) starts on this node.
    /// </summary>
    public static int CoresPerRank()
    {
        string? local = Environment.GetEnvironmentVariable("MPI_LOCALNRANKS") ?? Environment.GetEnvironmentVariable("SLURM_NTASKS_PER_NODE");
        int ranks = int.TryParse(local, out int n) && n > 0 ? n : 1;
        return Math.Clamp(Environment.ProcessorCount / ranks, 1, DatasetGeneration.MaxWorkers);
    }

    /// <summary>This process's communicator; MPI is initialised at most once per process.</summary>
    public static Communicator Start(bool requested)
    {
        var communicator = DistributedLaunch.Detect(requested);
        CliErrors.Communicator = communicator;
        return communicator;
    }
}
