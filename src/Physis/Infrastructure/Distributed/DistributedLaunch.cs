namespace Physis.Infrastructure.Distributed;

/// <summary>How this process was started: alone, or as one rank of an MPI job (mpiexec, or srun with PMI).</summary>
public static class DistributedLaunch
{
    /// <summary>
    /// MPI_COMM_WORLD when a process manager started this process (MPICH's Hydra and Slurm's PMI set PMI_RANK) or when
    /// <paramref name="requested"/> (--distributed); otherwise the single process.
    /// </summary>
    public static Communicator Detect(bool requested)
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null)
            throw new ArgumentException("This process was started by Open MPI's mpirun, whose handles MPI.NET cannot use; "
                + "start Physis with MPICH's mpiexec.mpich (or srun --mpi=pmi2 against MPICH).");
        bool launched = Environment.GetEnvironmentVariable("PMI_RANK") is not null;
        return launched || requested ? MpiCommunicator.World() : Communicator.SingleProcess;
    }
}
