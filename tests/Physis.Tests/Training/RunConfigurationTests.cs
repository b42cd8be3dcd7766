using Physis.Infrastructure.Configuration;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Runs;
using Physis.Runs.Configuration;
using Physis.Suite;
using Physis.Suite.Problems;
using Physis.Training;

namespace Physis.Tests.Training;

public class RunConfigurationTests
{
    private static string Write(string yaml)
    {
        string path = Path.Combine(Path.GetTempPath(), $"physis-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static (string Preset, PinnSettings Settings) LoadFor(string path, ICatalogProblem problem) =>
        RunConfiguration.Load(path, problem.Name, problem.Presets, problem.Create().Terms.Coordinates);

    /// <summary>Loads a configuration written to a temporary file, which is deleted afterwards.</summary>
    private static (string Preset, PinnSettings Settings) Load(string yaml, ICatalogProblem problem)
    {
        string path = Write(yaml);
        try { return LoadFor(path, problem); }
        finally { File.Delete(path); }
    }

    private static ConfigurationException Fails(string yaml, string problem = "allen-cahn") =>
        Assert.Throws<ConfigurationException>(() => Load(yaml, ProblemCatalog.Find(problem)));

    [Fact]
    public void ReadsNetworkEmbeddingsSamplingAndSchedule()
    {
        string path = Write("""
            # Allen-Cahn with an exactly periodic PirateNet
            network:
              architecture: pirate-net
              width: 32
              blocks: 2
              activation: sin
              weight-factorization: { mean: 1.0, std: 0.1 }
              embeddings:
                - periodic: { coordinate: x, period: 2, harmonics: 2 }
                - fourier: { features: 16, scale: 2.0, coordinates: [t] }
            sampling: { domain: 1000, initial: 64, method: sobol }
            training:
              precision: float32
              seed: 7
              adam: { iterations: 100, learning-rate: 5e-4, hold-parameters: 40 }
              lbfgs: { iterations: 0 }
            """);
        var (preset, settings) = LoadFor(path, ProblemCatalog.Find("allen-cahn"));
        File.Delete(path);
        Assert.Equal("default", preset);
        var network = Assert.IsType<Physis.Networks.NetworkOptions>(settings.Network);
        Assert.Equal(new PirateNetArchitecture(32, 2), network.Architecture);
        var periodic = Assert.IsType<PeriodicEmbeddingOptions>(network.Embeddings[0]);
        Assert.Equal(new PeriodicCoordinate(0, 2, 2), periodic.Coordinates.Single());
        var fourier = Assert.IsType<FourierFeatureOptions>(network.Embeddings[1]);
        Assert.Equal([1], fourier.Coordinates!);
        Assert.Equal(1.0, network.WeightFactorization!.Mean);
        Assert.Equal(Physis.Networks.Layers.Activation.Sin, network.Activation);
        Assert.Equal((1000, 64, Physis.Geometry.SamplingMethod.Sobol),
            (settings.Sampling.Domain, settings.Sampling.Initial, settings.Sampling.Method));
        Assert.Equal((Precision.Float32, 7, 100, 5e-4, 0, 40), (settings.Precision, settings.Seed,
            settings.Schedule.AdamIterations, settings.Schedule.LearningRate, settings.Schedule.LbfgsIterations,
            settings.Schedule.ParameterHoldIterations));
        // Untouched settings keep the preset's values.
        Assert.Equal(ProblemCatalog.Find("allen-cahn").Presets["default"].Sampling.Boundary, settings.Sampling.Boundary);
    }

    [Fact]
    public void EveryPresetSurvivesTheSettingsFileThatResumeReads()
    {
        string folder = Directory.CreateTempSubdirectory("physis-presets").FullName;
        try
        {
            foreach (var problem in ProblemCatalog.All)
                foreach (var (name, settings) in problem.Presets)
                {
                    new RunFolder(folder).Store(new RunIdentity("pinn", "test"), settings);
                    var stored = new RunFolder(folder).Read<PinnSettings>().Settings;
                    Assert.True(stored is not null && PinnRun.SameSettings(settings, stored),
                        $"{problem.Name} preset {name} changed on its way through settings.json");
                }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void InterfaceFeaturesAreReadWithNegativePositions()
    {
        string path = Write("network:\n  hidden: [8]\n  embeddings:\n    - interface: { coordinate: x, at: [-1, 1] }\n");
        var (_, settings) = LoadFor(path, ProblemCatalog.Find("quantum-well-finite"));
        File.Delete(path);
        var features = Assert.IsType<InterfaceFeatureOptions>(settings.Network!.Embeddings.Single());
        Assert.Equal(0, features.Coordinate);
        Assert.Equal([-1.0, 1.0], features.Interfaces);
    }

    [Fact]
    public void NetworkSettingsSurviveTheSettingsFileThatResumeReads()
    {
        string path =
            Write("network: { architecture: modified-mlp, width: 16, depth: 2, embeddings: [ { gaussian: { gaussians: 8, features: 4 } } ] }\n");
        var (_, settings) = LoadFor(path, ProblemCatalog.Find("helmholtz"));
        File.Delete(path);
        string folder = Path.Combine(Path.GetTempPath(), $"physis-config-run-{Guid.NewGuid():N}");
        try
        {
            var tiny = settings with
            {
                Sampling = settings.Sampling with { Domain = 32, Boundary = 16 },
                Schedule = settings.Schedule with { AdamIterations = 2, LbfgsIterations = 0 },
            };
            CatalogRun.Execute(ProblemCatalog.Find("helmholtz"), "default", tiny, folder, resume: false, checkpointEvery: 1);
            var stored = new RunFolder(folder).Read<PinnSettings>().Settings;
            Assert.True(PinnRun.SameSettings(tiny, stored));
            Assert.Equal(tiny.Network!.Architecture, stored.Network!.Architecture);
            Assert.IsType<GaussianFeatureOptions>(stored.Network.Embeddings.Single());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TrainingMethodsAreReadAndSurviveResume()
    {
        string path = Write("""
            sampling:
              domain: 64
              boundary: 16
              initial: 16
              adaptive: { method: rad, every: 1, candidates: 128, exponent: 2 }
            training:
              optimizer: multiadam
              adam: { iterations: 3 }
              lbfgs: { iterations: 1 }
              natural-gradient: { iterations: 1 }
              loss-balancing: { method: ntk, every: 1, subsample: 8 }
              causal: { chunks: 4, epsilons: [0.1, 1], threshold: 0.9 }
            network: { hidden: [6] }
            """);
        var (_, settings) = LoadFor(path, ProblemCatalog.Find("burgers"));
        File.Delete(path);
        Assert.Equal(FirstOptimizer.MultiAdam, settings.Schedule.FirstOptimizer);
        // Applied in the bindings' order whatever the order in the file: balancing, causal weighting, adaptive sampling.
        Assert.Equal(3, settings.Methods.Count);
        Assert.Equal(new Physis.Training.Weighting.NtkBalancing(1, 8, 0), settings.Methods[0]);
        Assert.Equal([0.1, 1], Assert.IsType<Physis.Training.Causal.CausalTraining>(settings.Methods[1]).Schedule);
        Assert.Equal(new Physis.Training.Adaptive.ResidualAdaptiveDistribution(1, 128, 2, 1), settings.Methods[2]);
        Assert.Equal(["multiadam", "lbfgs", "natural_gradient"], settings.Schedule.Phases().Select(p => p.Name));

        string folder = Path.Combine(Path.GetTempPath(), $"physis-config-methods-{Guid.NewGuid():N}");
        try
        {
            var result = CatalogRun.Execute(ProblemCatalog.Find("burgers"), "default", settings, folder, resume: false, checkpointEvery: 1);
            Assert.Equal(3, result.AdamIterations);
            var stored = new RunFolder(folder).Read<PinnSettings>().Settings;
            Assert.True(PinnRun.SameSettings(settings, stored));
            Assert.Equal(settings.Methods[0], stored.Methods[0]);
            Assert.Equal(settings.Methods[2], stored.Methods[2]);
            // settings.json names each method: "method": "ntk", ...
            string json = File.ReadAllText(Path.Combine(folder, RunFolder.SettingsFile));
            Assert.Contains("\"method\": \"ntk\"", json);
            Assert.Contains("\"method\": \"rad\"", json);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TimeMarchingRunsFromTheConfigurationAndResumesAfterAKill()
    {
        var problem = ProblemCatalog.Find("advection");
        var (_, settings) = Load("""
            preset: periodic
            sampling: { domain: 64, boundary: 16, initial: 16 }
            training:
              adam: { iterations: 6 }
              lbfgs: { iterations: 4 }
              time-marching: { windows: 3 }
            network: { hidden: [6] }
            """, problem);
        Assert.Equal(3, settings.Marching.Windows);
        string folder = Path.Combine(Path.GetTempPath(), $"physis-config-marching-{Guid.NewGuid():N}");
        string killedFolder = folder + "-killed";
        try
        {
            var result = CatalogRun.Execute(problem, "periodic", settings, folder, resume: false, checkpointEvery: 2);
            Assert.Equal(18, result.AdamIterations);
            Assert.Equal(result.Iterations, result.AdamIterations + result.LbfgsIterations);
            Assert.Equal(["window0.ckpt", "window1.ckpt", "window2.ckpt"],
                Directory.GetFiles(Path.Combine(folder, PinnRun.WindowsFolder)).Select(Path.GetFileName).Order());
            var rows = File.ReadAllLines(Path.Combine(folder, "loss.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(Enumerable.Range(1, result.Iterations).Select(i => i.ToString()), rows.Select(r => r[0]));
            Assert.Equal(["w0-adam", "w0-lbfgs", "w1-adam", "w1-lbfgs", "w2-adam", "w2-lbfgs"], rows.Select(r => r[1]).Distinct());

            // Killed in the second window, resumed: the same error to the last digit.
            Assert.Throws<OperationCanceledException>(() =>
                CatalogRun.Execute(problem, "periodic", settings, killedFolder, resume: false, checkpointEvery: 2,
                    new KillAtPhaseStep("adam", 5, window: 1)));
            var resumed = CatalogRun.Execute(problem, "periodic", settings, killedFolder, resume: true, checkpointEvery: 2);
            Assert.True(resumed.ResumedFromStep > 6, $"resumed from step {resumed.ResumedFromStep}");
            Assert.Equal(result.RelativeL2, resumed.RelativeL2);

            Assert.Contains("cannot be combined with HardConstraints", Assert.Throws<ArgumentException>(() =>
                CatalogRun.Execute(ProblemCatalog.Find("burgers"), "default", settings with { HardConstraints = true }, folder, resume: false,
                    checkpointEvery: 2)).Message);
            Assert.Contains("time marching does not apply", Assert.Throws<ArgumentException>(() =>
                CatalogRun.Execute(ProblemCatalog.Find("quantum-well"), "default", settings, folder, resume: false, checkpointEvery: 2)).Message);
        }
        finally
        {
            foreach (var f in new[] { folder, killedFolder }) if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
        }
    }

    [Fact]
    public void AHardWindowStartComesFromTheConfigurationAndDropsTheInitialTerm()
    {
        // allen-cahn's u0 has a kink where the period joins: window 0 starts hard from its filtered interpolant.
        var problem = ProblemCatalog.Find("allen-cahn");
        var (_, settings) = Load("""
            preset: periodic
            sampling: { domain: 64, boundary: 16, initial: 16 }
            training:
              adam: { iterations: 5 }
              lbfgs: { iterations: 0 }
              time-marching: { windows: 2, hard-start: true, warm-start: true }
            network: { hidden: [6] }
            """, problem);
        Assert.True(settings.Marching is { HardStart: true, WarmStart: true });
        string folder = Path.Combine(Path.GetTempPath(), $"physis-config-hard-start-{Guid.NewGuid():N}");
        try
        {
            CatalogRun.Execute(problem, "periodic", settings, folder, resume: false, checkpointEvery: 2);
            var lines = File.ReadAllLines(Path.Combine(folder, "loss.csv"));
            Assert.DoesNotContain("initial_u", lines[0].Split(','));
            Assert.Equal(["w0-adam", "w1-adam"], lines.Skip(1).Select(l => l.Split(',')[1]).Distinct());
            Assert.Equal(11, lines.Length);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        Assert.Contains("hard-start: expected true or false", Fails("training:\n  time-marching: { windows: 2, hard-start: maybe }\n").Message);
        Assert.Contains("warm-start", Fails("training:\n  time-marching: { windows: 2, warm: true }\n").Message);
    }

    /// <summary>Throws at the given step of the given phase in the given window (each window's trainer counts its own phases).</summary>
    private sealed class KillAtPhaseStep(string phase, int step, int window) : ITrainingCallback
    {
        private int windowsSeen = -1;
        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase current, int phaseStep)
        {
            if (current.Name == phase && phaseStep == 1 && trainer.Step == 1) windowsSeen++;
            if (windowsSeen == window && current.Name == phase && phaseStep == step) throw new OperationCanceledException("simulated kill");
        }
    }

    [Fact]
    public void UnknownKeysNameTheLineAndTheAllowedKeys()
    {
        var error = Fails("network:\n  architecture: mlp\n  hiden: [20, 20]\n");
        Assert.Contains(":3: unknown key 'hiden' in network; allowed: architecture, hidden,", error.Message);
        Assert.Contains(":1: unknown key 'optimiser'; allowed: preset, network, sampling, training", Fails("optimiser: adam\n").Message);
    }

    [Fact]
    public void InvalidValuesNameTheLineThePathAndWhatIsAllowed()
    {
        Assert.Contains(":2: network.architecture: 'transformer' is not allowed; allowed: mlp, modified-mlp, residual, pirate-net",
            Fails("network:\n  architecture: transformer\n").Message);
        Assert.Contains(":4: network.embeddings[0].periodic.coordinate: 'y' is not allowed; allowed: x, t",
            Fails("network:\n  architecture: mlp\n  embeddings:\n    - periodic: { coordinate: y, period: 2 }\n").Message);
        Assert.Contains(":2: sampling.domain: must be at least 1, got -5",
            Fails("sampling:\n  domain: -5\n").Message);
        Assert.Contains(":3: training.adam.learning-rate: expected a number, got 'fast'",
            Fails("training:\n  adam:\n    learning-rate: fast\n").Message);
        Assert.Contains("network.width: does not apply to architecture mlp, which takes hidden",
            Fails("network: { architecture: mlp, width: 20 }\n").Message);
        var unknownPreset = Fails("preset: deepxde\n").Message;
        Assert.Contains("preset: 'deepxde' is not allowed; allowed: plain, fourier, periodic", unknownPreset);
        Assert.Contains("periodic-marching-warm, periodic-natural-gradient, default", unknownPreset);
        Assert.Contains("not valid YAML", Fails("network: [unclosed\n").Message);
        Assert.Contains(":2: training.loss-balancing.statistic: applies to gradient-norm balancing only",
            Fails("training:\n  loss-balancing: { method: ntk, statistic: max }\n").Message);
        Assert.Contains("training.causal.chunks: must be at least 2", Fails("training:\n  causal: { chunks: 1 }\n").Message);
        Assert.Contains(":2: training.adam.hold-parameters: holds the parameters for 600 iterations, more than the 500 Adam iterations",
            Fails("training:\n  adam: { iterations: 500, hold-parameters: 600 }\n").Message);
        Assert.Contains(":2: training.time-marching.windows: must be at least 1, got 0",
            Fails("training:\n  time-marching: { windows: 0 }\n").Message);
        Assert.Contains("training.time-marching: needs windows", Fails("training:\n  time-marching: {}\n").Message);
        Assert.Contains(":3: network.embeddings[0].interface: needs coordinate and the interface positions",
            Fails("network:\n  embeddings:\n    - interface: { coordinate: x }\n").Message);
        Assert.Contains("sampling.adaptive.method: 'random' is not allowed; allowed: rar, rad",
            Fails("sampling:\n  adaptive: { method: random }\n").Message);
    }
}
