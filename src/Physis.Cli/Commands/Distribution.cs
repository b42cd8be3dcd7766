using System.CommandLine;
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

    /// <summary>This process's communicator; MPI is initialised at most once per process.</summary>
    public static Communicator Start(bool requested)
    {
        var communicator = DistributedLaunch.Detect(requested);
        CliErrors.Communicator = communicator;
        return communicator;
    }
}
