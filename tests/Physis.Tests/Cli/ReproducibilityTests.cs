using Physis.Infrastructure;

namespace Physis.Tests.Cli;

/// <summary>The same run in two processes gives the same bits (MKL's kernels no longer branch on memory alignment).</summary>
public class ReproducibilityTests
{
    [Fact]
    public void MklIsAskedForAlignmentIndependentResults()
    {
        int status = TensorEngine.ReproducibleMathKernels();
        Assert.True(status is 0 or -100, $"mkl_cbwr_set refused AUTO,STRICT: status {status}");
    }

    /// <summary>
    /// Time marching with hard starts evaluates the previous window's state through a matrix-vector product whose last
    /// bits followed the buffers' alignment: runs differed from the third window on.
    /// </summary>
    [Fact]
    public void AHardStartMarchingRunRepeatsBitForBitInAnotherProcess()
    {
        string root = Path.Combine(Path.GetTempPath(), $"physis-repeat-{Guid.NewGuid():N}");
        try
        {
            string[] run = ["solve", "kdv", "--hard-window-start", "--time-windows", "3", "--iterations", "40", "--lbfgs-iterations", "10",
                "--domain-points", "300", "--boundary-points", "20", "--initial-points", "50"];
            var losses = new List<string>();
            foreach (string name in new[] { "first", "second" })
            {
                var (code, _, error) = SolveCommandTests.Physis([.. run, "--out", Path.Combine(root, name)]);
                Assert.True(code == 0, error);
                losses.Add(File.ReadAllText(Path.Combine(root, name, "loss.csv")));
            }
            Assert.Contains("w2-adam", losses[0]);
            Assert.Equal(losses[0], losses[1]);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
