using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using static TorchSharp.torch;

namespace Physis.Export;

/// <summary>
/// A PINN network (<see cref="Mlp"/> or <see cref="PinnNetwork"/>) as an ONNX graph from coordinates [n, d] to fields
/// [n, k], written with the same operations in the same order as the network's forward pass.
/// </summary>
internal static class PinnGraph
{
    public const string InputName = "coordinates";
    public const string OutputName = "fields";

    /// <param name="transform">writes the network's output transform (hard constraint), if it has one</param>
    public static OnnxGraph Build(nn.Module<Tensor, Tensor> network, int inputs, int outputs, Func<OnnxGraph, string, string, string>? transform)
    {
        var graph = new OnnxGraph("pinn");
        string x = graph.Input(InputName, "n", inputs);
        string raw = network switch
        {
            Mlp mlp => Mlp(graph, mlp, x),
            PinnNetwork pinn => Body(graph, pinn.Body, Embed(graph, pinn, x)),
            _ => throw new ArgumentException($"A {network.GetType().Name} is not a PINN network that can be exported."),
        };
        graph.Output(transform is null ? raw : transform(graph, x, raw), OutputName, "n", outputs);
        return graph;
    }

    public static string Mlp(OnnxGraph graph, Mlp mlp, string x)
    {
        var h = mlp.Scaling is { } scaling ? Scale(graph, scaling, x) : x;
        var layers = mlp.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            h = graph.Linear(h, layers[i].weight!, layers[i].bias!, $"layer{i}");
            if (i < layers.Count - 1) h = Activate(graph, mlp.Activation, h);
        }
        return h;
    }

    private static string Scale(OnnxGraph graph, InputScaling scaling, string x) =>
        graph.Div(graph.Sub(x, graph.Constant(scaling.Center, "center")), graph.Constant(scaling.HalfWidth, "half_width"));

    private static string Embed(OnnxGraph graph, PinnNetwork network, string x)
    {
        var h = network.Scaling is { } scaling ? Scale(graph, scaling, x) : x;
        foreach (var embedding in network.Embeddings)
            h = embedding switch
            {
                PeriodicEmbedding periodic => Periodic(graph, periodic, h),
                FourierFeatures fourier => Fourier(graph, fourier, h),
                GaussianFeatures gaussian => Gaussian(graph, gaussian, h),
                InterfaceFeatures interfaces => Interface(graph, interfaces, h),
                _ => throw new ArgumentException($"The {embedding.GetType().Name} embedding cannot be exported to ONNX."),
            };
        return h;
    }

    private static string Periodic(OnnxGraph graph, PeriodicEmbedding embedding, string x)
    {
        var parts = new List<string>();
        for (int i = 0; i < embedding.Inputs; i++)
        {
            string column = graph.Columns(x, i);
            if (embedding.Wavenumbers[i] is not { } k)
            {
                parts.Add(column);
                continue;
            }
            string phase = graph.Mul(column, graph.Constant(k, "wavenumbers"));
            parts.Add(graph.Unary("Cos", phase));
            parts.Add(graph.Unary("Sin", phase));
        }
        return graph.Concat(parts, 1);
    }

    private static string Fourier(OnnxGraph graph, FourierFeatures embedding, string x)
    {
        string embedded = embedding.Selected is { } selected ? Gather(graph, x, selected) : x;
        using var transposed = embedding.Frequencies.t();
        string phase = graph.Mul(graph.MatMul(embedded, graph.Constant(transposed, "frequencies")), graph.Scalar(2 * Math.PI));
        List<string> parts = [graph.Unary("Cos", phase), graph.Unary("Sin", phase)];
        if (embedding.Passed is { } passed) parts.Add(Gather(graph, x, passed));
        return graph.Concat(parts, 1);
    }

    private static string Gather(OnnxGraph graph, string x, Tensor columns) =>
        graph.Node("Gather", [x, graph.Ints(columns.data<long>().ToArray())], ("axis", 1L));

    private static string Gaussian(OnnxGraph graph, GaussianFeatures embedding, string x)
    {
        using var centres = embedding.Centres.unsqueeze(0);
        using var widths = embedding.Widths();
        using var widthRows = widths.unsqueeze(0);
        string scaled = graph.Div(graph.Sub(graph.Unsqueeze(x, 1), graph.Constant(centres, "centres")), graph.Constant(widthRows, "widths"));
        string squares = graph.Node("ReduceSum", [graph.Mul(scaled, scaled), graph.Ints(2)], ("keepdims", 0L));
        string values = graph.Unary("Exp", graph.Mul(squares, graph.Scalar(-0.5)));
        return graph.MatMul(values, graph.Constant(embedding.FeatureVectors, "features"));
    }

    private static string Interface(OnnxGraph graph, InterfaceFeatures embedding, string x)
    {
        string offset = graph.Sub(graph.Columns(x, embedding.Coordinate), graph.Constant(embedding.Positions, "interfaces"));
        return graph.Concat([x, graph.Mul(offset, graph.Unary("Abs", offset))], 1);
    }

    private static string Body(OnnxGraph graph, nn.Module<Tensor, Tensor> body, string x) => body switch
    {
        FeedForward feedForward => FeedForward(graph, feedForward, x),
        ModifiedMlp modified => ModifiedMlp(graph, modified, x),
        ResidualMlp residual => ResidualMlp(graph, residual, x),
        PirateNet pirate => PirateNet(graph, pirate, x),
        _ => throw new ArgumentException($"The {body.GetType().Name} architecture cannot be exported to ONNX."),
    };

    private static string Dense(OnnxGraph graph, Dense layer, string x, string hint)
    {
        using var weight = layer.Weight();
        return graph.Linear(x, weight, layer.Bias, hint);
    }

    private static string FeedForward(OnnxGraph graph, FeedForward network, string x)
    {
        var h = x;
        var layers = network.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            h = Dense(graph, layers[i], h, $"layer{i}");
            if (i < layers.Count - 1) h = Activate(graph, network.Activation, h);
        }
        return h;
    }

    private static (string U, string V) Encode(OnnxGraph graph, GateEncoders encoders, Activation activation, string x) =>
        (Activate(graph, activation, Dense(graph, encoders.U, x, "encoder_u")),
            Activate(graph, activation, Dense(graph, encoders.V, x, "encoder_v")));

    /// <summary><see cref="GateEncoders.Mix(Tensor, Tensor, Tensor)"/>: a + z (b - a).</summary>
    private static string Mix(OnnxGraph graph, string z, string a, string b) => graph.Add(a, graph.Mul(z, graph.Sub(b, a)));

    private static string ModifiedMlp(OnnxGraph graph, ModifiedMlp network, string x)
    {
        var (u, v) = Encode(graph, network.Encoders, network.Activation, x);
        var h = x;
        foreach (var layer in network.Hidden) h = Mix(graph, Activate(graph, network.Activation, Dense(graph, layer, h, "hidden")), u, v);
        return Dense(graph, network.Head, h, "head");
    }

    private static string ResidualMlp(OnnxGraph graph, ResidualMlp network, string x)
    {
        var h = Activate(graph, network.Activation, Dense(graph, network.Input, x, "input"));
        foreach (var block in network.Blocks)
        {
            var r = h;
            foreach (var layer in block) r = Activate(graph, network.Activation, Dense(graph, layer, r, "block"));
            h = graph.Add(h, r);
        }
        return Dense(graph, network.Head, h, "head");
    }

    private static string PirateNet(OnnxGraph graph, PirateNet network, string x)
    {
        var activation = network.Activation;
        var (u, v) = Encode(graph, network.Encoders, activation, x);
        var h = x;
        foreach (var block in network.Blocks)
        {
            string f = Activate(graph, activation, Dense(graph, block.First, h, "first"));
            string z1 = Mix(graph, f, v, u);
            string g = Activate(graph, activation, Dense(graph, block.Second, z1, "second"));
            string z2 = Mix(graph, g, v, u);
            string third = Activate(graph, activation, Dense(graph, block.Third, z2, "third"));
            h = graph.Add(h, graph.Mul(graph.Constant(block.Alpha, "alpha"), graph.Sub(third, h)));
        }
        return Dense(graph, network.Head, h, "head");
    }

    /// <summary>The activation as ONNX operators of opset 17, which has no Gelu: GELU is written with erf, as libtorch computes it.</summary>
    public static string Activate(OnnxGraph graph, Activation activation, string x) => activation switch
    {
        Activation.Tanh => graph.Unary("Tanh", x),
        Activation.Sin => graph.Unary("Sin", x),
        Activation.Relu => graph.Unary("Relu", x),
        Activation.Silu => graph.Mul(x, graph.Unary("Sigmoid", x)),
        Activation.Gelu => graph.Mul(graph.Mul(x, graph.Scalar(0.5)),
            graph.Add(graph.Scalar(1), graph.Unary("Erf", graph.Mul(x, graph.Scalar(1 / Math.Sqrt(2)))))),
        _ => throw new ArgumentException($"The activation {activation} cannot be exported to ONNX."),
    };
}
