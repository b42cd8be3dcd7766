using Physis.Data;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using Physis.Networks.Operators;
using Physis.Problems;
using Physis.Tests.Operators;
using Physis.Training;
using Physis.Training.Operators;
using Physis.Training.Optimizers;
using static TorchSharp.torch;

namespace Physis.Tests.Engine;

/// <summary>
/// Training steps on libtorch's meta device, whose tensors have shapes but no data: a tensor the code makes without the
/// caller's device stays on the CPU, and the first operation that mixes it with a meta tensor fails, so code that passes
/// here makes its tensors on the caller's device, as a GPU (the CUDA build of TorchSharp) needs. Reading values back
/// (item, ToArray) cannot work on meta, so the tests drive the step-level calls, not whole runs.
/// </summary>
public sealed class MetaDeviceTests
{
    private static readonly Device Meta = new("meta");

    private static void OnMeta(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) Assert.Equal(TorchSharp.DeviceType.META, t.device_type);
    }

    /// <summary>What the tests rely on: a CPU tensor (beyond a 0-dimensional one) in an operation with a meta tensor fails.</summary>
    [Fact]
    public void ACpuTensorMixedWithAMetaTensorFails()
    {
        using var onMeta = ones(3, device: Meta);
        using var onCpu = ones(3);
        Assert.ThrowsAny<Exception>(() => onMeta + onCpu);
        Assert.ThrowsAny<Exception>(() => onMeta.item<float>());
    }

    /// <summary>u_t - k u_xx = sin(pi x) on [-1, 1] x [0, 1], u given on the boundary, at t = 0 and at two points; k is learned.</summary>
    private static PdeProblem InverseHeat()
    {
        var k = new TrainableParameter("k", 0.5);
        double[,] observed = { { 0.5, 0.5 }, { -0.5, 0.25 } };
        return new PdeProblem(new Interval(-1, 1).WithTime(0, 1), f => f.Dt("u") - k * f.Dxx("u") - Functions.Sin(Math.PI * f.X),
            [Condition.Dirichlet("u"), Condition.Initial("u", p => Math.Sin(Math.PI * p[0])), Condition.PointData("u", observed, [0.1, 0.2])]);
    }

    public static TheoryData<string> Networks => ["mlp", "fourier-modified-mlp", "gaussian-periodic-residual", "pirate"];

    private static nn.Module<Tensor, Tensor> Network(string kind, PdeProblem problem) => kind switch
    {
        "mlp" => new Mlp(2, [8, 8], 1, device: Meta, inputBox: problem.Geometry.Bounds),
        "fourier-modified-mlp" => new PinnNetwork(2, 1, new NetworkOptions
        {
            Embeddings = [new FourierFeatureOptions(8, 1.0)],
            Architecture = new ModifiedMlpArchitecture(8, 2),
        }, device: Meta),
        "gaussian-periodic-residual" => new PinnNetwork(2, 1, new NetworkOptions
        {
            Embeddings = [PeriodicEmbeddingOptions.Of(0, 2), new GaussianFeatureOptions(4, 8)],
            Architecture = new ResidualArchitecture(8, 1),
        }, device: Meta),
        _ => new PinnNetwork(2, 1, new NetworkOptions { ScaleInputs = true, Architecture = new PirateNetArchitecture(8, 1) }, device: Meta,
            inputBox: problem.Geometry.Bounds),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void APinnAdamStepRunsOnTheMetaDevice(string kind)
    {
        var problem = InverseHeat();
        using var network = Network(kind, problem);
        OnMeta(network.parameters());
        using var trainer = new PinnTrainer(problem, network, new Sampling(32, 8, 8), new TrainerOptions { Device = Meta, Recovery = null });
        using var adam = new Adam(trainer.Trainable, new LearningRateSchedule.Constant(1e-3));
        adam.Step(new LossObjective(() =>
        {
            var (total, terms) = trainer.Loss();
            OnMeta([total, .. terms]);
            total.backward();
            return double.NaN;
        }));
        OnMeta(trainer.Trainable);
        OnMeta(trainer.Trainable.Select(p => p.grad!));
        Assert.Equal(trainer.Trainable.Select(p => p.shape), trainer.Trainable.Select(p => p.grad!.shape));
    }

    /// <summary>16 samples on 16 points of [0, 1): the 1D data every small architecture of the architecture tests takes.</summary>
    private static OperatorDataset Data()
    {
        var x = Enumerable.Range(0, 16).Select(i => i / 16.0).ToArray();
        var inputs = Enumerable.Range(0, 16 * 16).Select(k => Math.Sin(k % 16 + k / 16)).ToArray();
        return new OperatorDataset(inputs, [.. inputs.Select(v => v * v + 1)], 16, [x]);
    }

    private static OperatorModelSpec Spec(OperatorArchitecture architecture, OperatorDataset data) => new()
    {
        Architecture = architecture,
        InputNormaliser = GaussianNormaliser.Fit(data.Inputs),
        OutputNormaliser = GaussianNormaliser.Fit(data.Targets),
        TrainingGrid = data.Grid,
        CoordinateFeatures = true,
    };

    public static TheoryData<string?> DeepOnetVariants => [null, "triple", "antiderivative"];

    /// <summary>
    /// A DeepONet's Adam step on a batch (loss, backward, update) and a prediction on the meta device, in both layouts and
    /// with the antiderivative's physics-informed loss.
    /// </summary>
    [Theory]
    [MemberData(nameof(DeepOnetVariants))]
    public void AnOperatorTrainingStepAndAPredictionRunOnTheMetaDevice(string? variant)
    {
        var data = Data();
        // tanh, as ReLU has no meta kernel either.
        var architecture = (DeepOnetSettings)OperatorArchitectureTests.Small("deeponet") with { Activation = Activation.Tanh };
        using var model = new OperatorModel(Spec(architecture, data), Meta);
        OnMeta(model.Network.parameters());
        var settings = new OperatorTrainingSettings
        {
            BatchSize = 4,
            Layout = variant == "triple" ? DeepOnetLayout.Triple : DeepOnetLayout.Cartesian,
        };
        using var trainer = new OperatorTrainer(model, data, null, settings, variant == "antiderivative" ? OperatorPhysics.Create(variant) : null);
        var parameters = model.Network.parameters().ToList();
        using var adam = new Adam(parameters, new LearningRateSchedule.Constant(1e-3));
        using var generator = new Generator(1);
        using var rows = arange(4);
        adam.Step(new LossObjective(() =>
        {
            var loss = trainer.BatchLoss(rows, generator);
            OnMeta([loss]);
            loss.backward();
            return double.NaN;
        }));
        OnMeta(parameters);
        OnMeta(parameters.Select(p => p.grad!));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var prediction = model.Forward(OperatorTrainer.ToTensor(data.Inputs, data, model), OperatorModel.QueryPoints(data.Coordinates, Meta),
            OperatorModel.Axes(data.Coordinates, Meta));
        OnMeta([prediction]);
        Assert.Equal([16L, 16], prediction.shape);
    }

    public static TheoryData<string> GridOperators => ["fno", "tfno", "mgno", "lsm"];

    /// <summary>
    /// The grid operators are built on the meta device, but their forward pass cannot run there: libtorch's meta device has
    /// no convolution (every one of them lifts with one) and no FFT; PyTorch registers those meta kernels from Python.
    /// </summary>
    [Theory]
    [MemberData(nameof(GridOperators))]
    public void AGridOperatorIsBuiltOnTheMetaDeviceButLibtorchHasNoMetaConvolution(string kind)
    {
        var data = Data();
        using var model = new OperatorModel(Spec(OperatorArchitectureTests.Small(kind), data), Meta);
        OnMeta(model.Network.parameters());
        using var inputs = OperatorTrainer.ToTensor(data.Inputs, data, model);
        var error = Assert.ThrowsAny<Exception>(() => model.Forward(inputs, OperatorModel.QueryPoints(data.Coordinates, Meta),
            OperatorModel.Axes(data.Coordinates, Meta)));
        Assert.StartsWith("convolution_overrideable not implemented", error.Message);
        using var signal = ones(16, device: Meta);
        var fftError = Assert.ThrowsAny<Exception>(() => fft.rfft(signal));
        Assert.Contains("aten::_fft_r2c: attempted to run this operator with Meta tensors", fftError.Message);
    }
}
