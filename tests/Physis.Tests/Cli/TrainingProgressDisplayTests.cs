using Physis.Cli.Commands;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Training;
using Physis.Training.Operators;
using Spectre.Console;

namespace Physis.Tests.Cli;

/// <summary>
/// physis's training progress: Spectre.Console bars on a wide ANSI terminal, the plain periodic lines everywhere else
/// (a file, a pipe, CI, a pseudo-terminal without a size).
/// </summary>
public class TrainingProgressDisplayTests
{
    [Theory]
    [InlineData(false, true, 120, true)]
    [InlineData(true, true, 120, false)]
    [InlineData(false, false, 120, false)]
    [InlineData(false, true, 0, false)]
    [InlineData(false, true, TrainingProgressDisplay.MinimumWidth - 1, false)]
    public void BarsOnlyOnAWideAnsiTerminal(bool redirected, bool ansi, int width, bool bars) =>
        Assert.Equal(bars, TrainingProgressDisplay.UseBars(redirected, ansi, width));

    [Fact]
    public void RedirectedOutputKeepsThePlainLines()
    {
        string folder = Directory.CreateTempSubdirectory("physis-progress").FullName;
        try
        {
            var (code, output, error) = SolveCommandTests.Physis("solve", "burgers", "--iterations", "20", "--lbfgs-iterations", "0",
                "--domain-points", "200", "--boundary-points", "20", "--initial-points", "20", "--out", folder);
            Assert.True(code == 0, error);
            var lines = output.Split('\n', StringSplitOptions.TrimEntries);
            Assert.Contains(lines, l => l.StartsWith("adam 1/20  loss ") && l.Contains("[pde ") && l.Contains(" it/s  left "));
            Assert.Contains(lines, l => l.StartsWith("adam 20/20  loss ") && l.EndsWith("left 0s"));
            Assert.Contains("adam ended at step 20: iterations", lines);
            Assert.DoesNotContain('\u001b', output);
            Assert.DoesNotContain('\r', output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void BarsShowThePhaseItsStepsLossesAndRateAndEachPhaseEnd()
    {
        var (console, text) = Terminal(160);
        var problem = new PdeProblem(new Interval(0, 1), f => f.Dxx("u") + 1, [Condition.Dirichlet("u", 0)]);
        using var network = new Mlp(1, [8], 1, seed: 1);
        using var trainer = new PinnTrainer(problem, network, new Sampling(Domain: 32, Boundary: 2));
        // Steps slowed to 2 ms, so the display's refresh (every 100 ms) catches the bar while the phase runs.
        var slow = new SlowSteps(TimeSpan.FromMilliseconds(2));
        TrainingProgressDisplay.RunWithBars(console, progress =>
        {
            trainer.Train([new AdamPhase(300), new LbfgsPhase(5)], progress, slow);
            return 0;
        });

        string output = text.ToString();
        Assert.Contains("\u001b[", output);
        Assert.Contains("━", output);
        Assert.Matches(@"adam .*\d+/300  loss \d\.\d{3}E[-+]\d{3}  \[pde \S+ dirichlet_u \S+\]  \d+\.\d it/s  left ", output);
        Assert.Contains("adam ended at step 300: iterations", output);
        Assert.Contains("lbfgs ended at step ", output);
    }

    [Fact]
    public void OperatorBarsShowEpochsAndBatchesAndEachEpochsLineAboveWithinTheWidth()
    {
        var (console, text) = Terminal(80);
        TrainingProgressDisplay.RunOperatorWithBars(console, progress =>
        {
            for (int epoch = 1; epoch <= 3; epoch++)
            {
                // Batches slowed, so the display's refresh (every 100 ms) catches the bars.
                for (int batch = 1; batch <= 4; batch++)
                {
                    progress.OnBatch(epoch, batch, 4, 0.5 / epoch);
                    Thread.Sleep(40);
                }
                progress.OnEpoch(new EpochRecord(epoch, 0.5 / epoch, 0.1, 0.01, 1e-3, 0.12), 3);
            }
            return 0;
        });

        string output = text.ToString();
        Assert.Contains("━", output);
        Assert.Matches(@"epoch \d ", output);
        Assert.Matches(@"batch \d/4  loss \d\.\d{3}E[-+]\d{2}", output);
        Assert.Matches(@"epochs .*\d/3 epochs  left ~00:00:00", output);
        // The epoch lines (as the plain display prints them) are broken to the terminal's width, not wrapped by it.
        Assert.Contains("epoch 3/3  train loss 1.667E-01  test rel L2 1.000E-01", output);
        var lines = output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\u001b\[[0-9;?]*[A-Za-z]", ""));
        Assert.All(lines.Where(l => l.StartsWith("epoch 3/3")), l => Assert.True(l.TrimEnd().Length < 80, l));
    }

    /// <summary>A terminal of the given width that Spectre.Console draws on, and what it received.</summary>
    private static (IAnsiConsole Console, StringWriter Text) Terminal(int width)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = width;
        return (console, text);
    }

    private sealed class SlowSteps(TimeSpan pause) : ITrainingCallback
    {
        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep) => Thread.Sleep(pause);
    }
}
