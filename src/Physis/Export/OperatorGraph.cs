using Physis.Networks.Operators;
using Physis.Training.Operators;
using static TorchSharp.torch;

namespace Physis.Export;

/// <summary>
/// A saved neural operator with its normalisers as an ONNX graph from raw input fields [batch, n1(, n2)] (and,
/// for grid features, the grid's coordinates per axis) to raw output fields, as <see cref="OperatorModel.Forward"/>
/// maps them. For an FNO every grid size is a dimension given at run time, so the model evaluates at any resolution
/// that resolves its modes. The spectral convolution runs on ONNX's DFT with complex values as a trailing axis of 2
/// (real, imaginary).
/// </summary>
internal static class OperatorGraph
{
    public const string InputName = "inputs";
    public const string OutputName = "outputs";
    /// <summary>The names of the coordinate inputs, one per axis, as the operator datasets name their axes.</summary>
    public static readonly string[] AxisNames = ["x", "y"];

    public static OnnxGraph Build(OperatorModel model)
    {
        var spec = model.Spec;
        if (model.DeepOnet is { } deepOnet) return DeepOnet(model, deepOnet);
        if (model.Network is MultigridNeuralOperator mgno) return Mgno(model, mgno);
        if (model.Network is LatentSpectralModel lsm) return Lsm(model, lsm);
        if (model.Fno is not { } fno)
            throw new ArgumentException($"A {spec.Architecture.Kind} operator cannot be exported to ONNX.");
        int d = fno.Dimension;
        if (d > AxisNames.Length) throw new ArgumentException($"A {d}D FNO cannot be exported to ONNX; 1D and 2D models can.");
        var graph = new OnnxGraph(spec.Architecture.Kind);
        object[] grid = [.. AxisNames.Take(d).Select(a => (object)$"n{a}")];
        string input = graph.Input(InputName, ["batch", .. grid]);
        var normaliser = spec.InputNormaliser;
        string encoded = graph.Div(graph.Sub(input, graph.Scalar(normaliser.Mean)), graph.Scalar(normaliser.StandardDeviation));
        string x = graph.Unsqueeze(encoded, 1);
        if (fno.Settings.PositionalFeatures) x = WithGridFeatures(graph, spec, x, grid);
        string raw = graph.Squeeze(Fno(graph, fno, x), 1);
        var output = spec.OutputNormaliser;
        graph.Output(graph.Add(graph.Mul(raw, graph.Scalar(output.StandardDeviation)), graph.Scalar(output.Mean)), OutputName, ["batch", .. grid]);
        return graph;
    }

    public const string PointsName = "points";

    private static string Encode(OnnxGraph graph, OperatorModelSpec spec, string input) =>
        graph.Div(graph.Sub(input, graph.Scalar(spec.InputNormaliser.Mean)), graph.Scalar(spec.InputNormaliser.StandardDeviation));

    private static string Decode(OnnxGraph graph, OperatorModelSpec spec, string raw) =>
        graph.Add(graph.Mul(raw, graph.Scalar(spec.OutputNormaliser.StandardDeviation)), graph.Scalar(spec.OutputNormaliser.Mean));

    /// <summary>
    /// An MgNO on its training grid (its biases live on that grid's nodes): input fields [batch, n1(, n2)] to output
    /// fields, each V-cycle's convolutions, restrictions and prolongations as Conv and ConvTranspose.
    /// </summary>
    private static OnnxGraph Mgno(OperatorModel model, MultigridNeuralOperator network)
    {
        var spec = model.Spec;
        int d = network.Dimension;
        bool dirichlet = network.Settings.Boundary == MultigridBoundary.Dirichlet;
        long[] grid = [.. spec.TrainingGrid.Select(n => (long)n)];
        long[] axes = [.. Enumerable.Range(2, d).Select(a => (long)a)];
        var graph = new OnnxGraph(spec.Architecture.Kind);
        string input = graph.Input(InputName, ["batch", .. grid.Select(n => (object)n)]);
        string h = graph.Unsqueeze(Encode(graph, spec, input), 1);
        // Dirichlet: the boundary nodes enter no interior stencil; the cycles work on the interior.
        if (dirichlet) h = graph.Slice(h, [.. Enumerable.Repeat(1L, d)], [.. grid.Select(n => n - 1)], axes);
        long[] working = dirichlet ? [.. grid.Select(n => n - 2)] : grid;
        var cycles = network.Cycles;
        for (int l = 0; l < cycles.Count; l++)
        {
            h = graph.Add(VCycle(graph, cycles[l], h, working), graph.Constant(network.LayerBias(l), "bias"));
            if (l < cycles.Count - 1) h = Gelu(graph, h);
        }
        if (dirichlet) h = graph.Node("Pad", [h, graph.Ints([0, 0, .. Enumerable.Repeat(1L, d), 0, 0, .. Enumerable.Repeat(1L, d)])]);
        graph.Output(Decode(graph, spec, graph.Squeeze(h, 1)), OutputName, ["batch", .. grid.Select(n => (object)n)]);
        return graph;
    }

    /// <summary><see cref="MultigridVCycle.forward"/> on f [B, C, m...] with m = <paramref name="grid"/>.</summary>
    private static string VCycle(OnnxGraph graph, MultigridVCycle cycle, string f, long[] grid)
    {
        int levels = cycle.Smoothers.Count;
        var corrections = new string[levels];
        var sizes = new long[levels][];
        for (int l = 0; l < levels; l++)
        {
            sizes[l] = grid;
            string? u = null;
            foreach (var smoother in cycle.Smoothers[l])
                u = u is null
                    ? Convolve(graph, cycle, f, smoother)
                    : graph.Add(u, Convolve(graph, cycle, graph.Sub(f, Convolve(graph, cycle, u, cycle.Operators[l]!)), smoother));
            corrections[l] = u!;
            if (l < levels - 1)
            {
                f = Convolve(graph, cycle, graph.Sub(f, Convolve(graph, cycle, u!, cycle.Operators[l]!)), cycle.Restrictions[l], stride: 2);
                // A stride-2 convolution with 3 taps of the padded field keeps floor((m - 1) / 2) + 1 nodes.
                grid = [.. grid.Select(m => (m - 1) / 2 + 1)];
            }
        }
        for (int l = levels - 2; l >= 0; l--)
            corrections[l] = graph.Add(corrections[l], Prolong(graph, cycle, corrections[l + 1], cycle.Prolongations[l], sizes[l + 1], sizes[l]));
        return corrections[0];
    }

    /// <summary><see cref="MultigridTransfer.Convolve"/> (stride 1) or <see cref="MultigridTransfer.Restrict"/> (stride 2).</summary>
    private static string Convolve(OnnxGraph graph, MultigridVCycle cycle, string x, Tensor kernel, long stride = 1)
    {
        int d = (int)kernel.dim() - 2;
        long[] strides = [.. Enumerable.Repeat(stride, d)];
        string weight = graph.Constant(kernel, "kernel");
        return cycle.Boundary == MultigridBoundary.Periodic
            ? graph.Node("Conv", [CircularPad(graph, x, d, 1, 1), weight], ("strides", strides))
            : graph.Node("Conv", [x, weight], ("strides", strides), ("pads", Enumerable.Repeat(1L, 2 * d).ToArray()));
    }

    /// <summary><see cref="MultigridTransfer.Prolong"/> from <paramref name="coarse"/> nodes to <paramref name="fine"/> ones per axis.</summary>
    private static string Prolong(OnnxGraph graph, MultigridVCycle cycle, string x, Tensor kernel, long[] coarse, long[] fine)
    {
        int d = coarse.Length;
        long[] strides = [.. Enumerable.Repeat(2L, d)];
        string weight = graph.Constant(kernel, "kernel");
        if (cycle.Boundary == MultigridBoundary.Dirichlet)
            return graph.Node("ConvTranspose", [x, weight], ("strides", strides), ("pads", Enumerable.Repeat(1L, 2 * d).ToArray()),
                ("output_padding", fine.Select((n, j) => n - (2 * coarse[j] - 1)).ToArray()));
        string wrapped = graph.Node("ConvTranspose", [CircularPad(graph, x, d, 0, 1), weight], ("strides", strides));
        return graph.Slice(wrapped, [.. Enumerable.Repeat(1L, d)], [.. fine.Select(n => n + 1)], [.. Enumerable.Range(2, d).Select(a => (long)a)]);
    }

    /// <summary>Circular padding of the d spatial axes (opset 17's Pad has no wrap mode): the last nodes before, the first after.</summary>
    private static string CircularPad(OnnxGraph graph, string x, int d, long before, long after)
    {
        for (long axis = 2; axis < 2 + d; axis++)
        {
            var parts = new List<string>();
            if (before > 0) parts.Add(graph.Slice(x, [-before], [long.MaxValue], [axis]));
            parts.Add(x);
            if (after > 0) parts.Add(graph.Slice(x, [0], [after], [axis]));
            x = graph.Concat(parts, axis);
        }
        return x;
    }

    /// <summary>
    /// A DeepONet on its training grid: input fields [batch, n1(, n2)] at the sensors and query points [P, d] (the grid's
    /// points in row-major order where it predicts the grid) to outputs [batch, P], or [batch, P, k] for k output fields.
    /// </summary>
    private static OnnxGraph DeepOnet(OperatorModel model, DeepOperatorNetwork network)
    {
        var spec = model.Spec;
        var settings = network.Settings;
        var graph = new OnnxGraph(spec.Architecture.Kind);
        string input = graph.Input(InputName, ["batch", .. spec.TrainingGrid.Select(n => (object)n)]);
        string points = graph.Input(PointsName, "points", settings.QueryDimension);
        var normaliser = spec.InputNormaliser;
        string encoded = graph.Div(graph.Sub(input, graph.Scalar(normaliser.Mean)), graph.Scalar(normaliser.StandardDeviation));
        long outputs = settings.Outputs, group = settings.Branch[^1] / outputs;
        string branch = graph.Reshape(PinnGraph.Mlp(graph, network.Branch, graph.Reshape(encoded, 0, -1)), 0, outputs, group);
        string trunk = PinnGraph.Activate(graph, settings.Activation, PinnGraph.Mlp(graph, network.Trunk, points));
        trunk = graph.Reshape(trunk, -1, outputs, group);
        // sum_p b[n, k, p] t[q, k, p] as a batched product over k: [k, n, p] [k, p, q] -> [k, n, q].
        string product = graph.MatMul(graph.Transpose(branch, 1, 0, 2), graph.Transpose(trunk, 1, 2, 0));
        string raw = graph.Add(graph.Transpose(product, 1, 2, 0), graph.Constant(network.Bias, "bias"));
        if (outputs == 1) raw = graph.Squeeze(raw, 2);
        var output = spec.OutputNormaliser;
        object[] shape = outputs == 1 ? ["batch", "points"] : ["batch", "points", outputs];
        graph.Output(graph.Add(graph.Mul(raw, graph.Scalar(output.StandardDeviation)), graph.Scalar(output.Mean)), OutputName, shape);
        return graph;
    }

    /// <summary>
    /// x [B, C, n1, ..., nd] with the grid features appended as channels: the coordinate inputs (one per axis, of the
    /// sizes <paramref name="grid"/>) or, for models saved before, linspace(0, 1, n) per axis.
    /// </summary>
    private static string WithGridFeatures(OnnxGraph graph, OperatorModelSpec spec, string x, object[] grid)
    {
        int d = grid.Length;
        var features = Enumerable.Range(0, d).Select(j => GridFeature(graph, x, j, d,
            spec.CoordinateFeatures ? graph.Input(AxisNames[j], grid[j]) : Linspace(graph, x, j)));
        return graph.Concat([x, .. features], 1);
    }

    /// <summary>
    /// An LSM on its training grid: the grid features, lifting and replicate padding, the stride-2 convolutions down with a
    /// neural spectral block at each scale, the merges and bilinear upsampling back up, and the projection.
    /// </summary>
    private static OnnxGraph Lsm(OperatorModel model, LatentSpectralModel network)
    {
        var spec = model.Spec;
        var settings = network.Settings;
        int d = network.Dimension;
        long[] grid = [.. spec.TrainingGrid.Select(n => (long)n)];
        object[] dims = [.. grid.Select(n => (object)n)];
        var graph = new OnnxGraph(spec.Architecture.Kind);
        string input = graph.Input(InputName, ["batch", .. dims]);
        string h = graph.Unsqueeze(Encode(graph, spec, input), 1);
        if (settings.PositionalFeatures) h = WithGridFeatures(graph, spec, h, dims);
        h = Pointwise(graph, network.Lifting, h, d);
        int multiple = settings.GridMultiple;
        long[] padding = [.. grid.Select(n => (multiple - n % multiple) % multiple)];
        if (padding.Any(p => p > 0)) h = graph.Node("Pad", [h, graph.Ints([0, 0, .. new long[d], 0, 0, .. padding])], ("mode", "edge"));
        long[] size = [.. grid.Zip(padding, (n, p) => n + p)];
        var skips = new string[settings.Scales];
        for (int l = 0; l < skips.Length; l++)
        {
            h = ConvolutionBlock(graph, network.Down[l], h, d);
            if (l > 0) size = [.. size.Select(n => n / 2)];
            skips[l] = SpectralBlock(graph, network.SpectralBlocks[l], h, size);
        }
        h = skips[^1];
        for (int l = skips.Length - 2; l >= 0; l--)
        {
            string coarse = Pointwise(graph, network.CoarseMerge[l], h, d);
            // Each scale halves the grid exactly, so upsampling doubles it; half-pixel centres are align_corners=false.
            string upsampled = graph.Node("Resize", [coarse, "", graph.Constant([1, 1, .. Enumerable.Repeat(2f, d)], [2 + d], "scales")],
                ("mode", "linear"), ("coordinate_transformation_mode", "pytorch_half_pixel"));
            h = ConvolutionBlock(graph, network.Up[l], graph.Add(Pointwise(graph, network.SkipMerge[l], skips[l], d), upsampled), d);
        }
        if (padding.Any(p => p > 0)) h = graph.Slice(h, new long[d], grid, [.. Enumerable.Range(2, d).Select(a => (long)a)]);
        h = Pointwise(graph, network.ProjectionOut, Gelu(graph, Pointwise(graph, network.ProjectionHidden, h, d)), d);
        graph.Output(Decode(graph, spec, graph.Squeeze(h, 1)), OutputName, ["batch", .. dims]);
        return graph;
    }

    /// <summary><see cref="Networks.Operators.ConvolutionBlock"/>: GELU of a 3-tap convolution with zero padding 1.</summary>
    private static string ConvolutionBlock(OnnxGraph graph, ConvolutionBlock block, string x, int d) =>
        Gelu(graph, graph.Node("Conv", [x, graph.Constant(block.Weight, "kernel"), graph.Constant(block.Bias, "bias")],
            ("strides", Enumerable.Repeat((long)block.Stride, d).ToArray()), ("pads", Enumerable.Repeat(1L, 2 * d).ToArray())));

    /// <summary><see cref="NeuralSpectralBlock.forward"/> on x [B, C, N...] with N = <paramref name="size"/>.</summary>
    private static string SpectralBlock(OnnxGraph graph, NeuralSpectralBlock block, string x, long[] size)
    {
        int d = size.Length, p = block.Patches;
        long c = block.Channels, heads = block.Heads, group = c / heads, tokens = block.TokenCount, basis = block.BasisCount;
        long[] patch = [.. size.Select(n => n / p)];
        long points = patch.Aggregate(1L, (a, b) => a * b);
        // LsmGrid.ToPatches: [B P^d, C, points of a patch].
        string split = d == 1
            ? graph.Transpose(graph.Reshape(x, 0, c, p, patch[0]), 0, 2, 1, 3)
            : graph.Transpose(graph.Reshape(x, 0, c, p, patch[0], p, patch[1]), 0, 2, 4, 1, 3, 5);
        string patches = graph.Reshape(split, -1, c, points);
        var (key, value, valueBias, query, queryBias) = block.Maps;
        string scale = graph.Scalar(Math.Sqrt(c));
        string tokenKeys;
        using (var product = block.TokenQueries.matmul(key)) tokenKeys = graph.Constant(product, "token_keys");
        string encodeWeights = graph.Node("Softmax", [graph.Div(graph.MatMul(tokenKeys, patches), scale)], ("axis", -1L));
        string averaged = graph.MatMul(encodeWeights, graph.Transpose(patches, 0, 2, 1));
        string valueMap;
        using (var valueT = value.t()) valueMap = graph.Constant(valueT, "value");
        string t = graph.Add(graph.MatMul(averaged, valueMap), graph.Constant(valueBias, "value_bias"));
        // SpectralOperator: t + sum over the sine and cosine basis of each head's channels.
        float[] frequency = [.. Enumerable.Range(0, (int)basis).Select(j => (float)((j / 2 + 1) * Math.PI))];
        float[] phase = [.. Enumerable.Range(0, (int)basis).Select(j => (float)(j % 2 * Math.PI / 2))];
        string phases = graph.Mul(graph.Reshape(t, -1, heads, 1, group), graph.Constant(frequency, [basis, 1], "frequency"));
        string features = graph.Unary("Sin", graph.Add(phases, graph.Constant(phase, [basis, 1], "phase")));
        string mixed = graph.Node("Einsum", [features, graph.Constant(block.BasisWeights, "basis")], ("equation", "thbi,hboi->tho"));
        t = graph.Add(t, graph.Reshape(mixed, -1, tokens, c));
        // Decode: each point takes the tokens by its softmax weights over them.
        string queryScores; queryScores = graph.MatMul(graph.MatMul(t, graph.Constant(query, "query")), patches);
        string scores = graph.Add(queryScores, graph.Unsqueeze(graph.MatMul(t, graph.Constant(queryBias, "query_bias")), -1));
        string decodeWeights = graph.Node("Softmax", [graph.Div(scores, scale)], ("axis", 1L));
        string decoded = graph.MatMul(graph.Transpose(t, 0, 2, 1), decodeWeights);
        // LsmGrid.FromPatches.
        string merged = d == 1
            ? graph.Transpose(graph.Reshape(decoded, -1, p, c, patch[0]), 0, 2, 1, 3)
            : graph.Transpose(graph.Reshape(decoded, -1, p, p, c, patch[0], patch[1]), 0, 3, 1, 4, 2, 5);
        return graph.Add(x, graph.Reshape(merged, [-1, c, .. size]));
    }

    /// <summary>Coordinates [n_j] of axis j broadcast to [B, 1, n1, ..., nd] (the shape of <paramref name="x"/>).</summary>
    private static string GridFeature(OnnxGraph graph, string x, int j, int d, string coordinates)
    {
        long[] shape = [1, 1, .. Enumerable.Repeat(1L, d)];
        shape[2 + j] = -1;
        return graph.Node("Expand", [graph.Reshape(coordinates, shape), graph.Node("Shape", [x])]);
    }

    /// <summary>
    /// linspace(0, 1, n_j) for axis j of <paramref name="x"/>: the grid features of models saved before they were the
    /// data's coordinates.
    /// </summary>
    private static string Linspace(OnnxGraph graph, string x, int j)
    {
        string n = graph.Node("Cast", [graph.Squeeze(graph.Shape(x, 2 + j, 3 + j), 0)], ("to", 1L));
        string steps = graph.Node("Max", [graph.Sub(n, graph.Scalar(1)), graph.Scalar(1)]);
        return graph.Div(graph.Node("Range", [graph.Scalar(0), n, graph.Scalar(1)]), steps);
    }

    private static string Fno(OnnxGraph graph, FourierNeuralOperator fno, string x)
    {
        int d = fno.Dimension;
        var h = Pointwise(graph, fno.Lifting, x, d);
        string? unpadded = null;
        if (fno.Settings.Padding > 0)
        {
            // round(Padding n) in float64, as the network computes it; appended at the end of each axis.
            unpadded = graph.Shape(h, 2, 2 + d);
            string sizes = graph.Node("Cast", [unpadded], ("to", 11L));
            string pads = graph.Node("Cast", [graph.Node("Round", [graph.Mul(sizes, graph.Float64(fno.Settings.Padding))])], ("to", 7L));
            h = graph.Node("Pad", [h, graph.Concat([graph.Ints(new long[d + 4]), pads], 0)]);
        }
        var spectral = fno.SpectralLayers;
        for (int l = 0; l < spectral.Count; l++)
        {
            h = graph.Add(SpectralConvolution(graph, spectral[l], h), Pointwise(graph, fno.Skips[l], h, d));
            if (l < spectral.Count - 1) h = Gelu(graph, h);
        }
        if (unpadded is not null)
            h = graph.Node("Slice", [h, graph.Ints(new long[d]), unpadded, graph.Ints([.. Enumerable.Range(2, d).Select(a => (long)a)])]);
        return Pointwise(graph, fno.ProjectionOut, Gelu(graph, Pointwise(graph, fno.ProjectionHidden, h, d)), d);
    }

    private static string Gelu(OnnxGraph graph, string x) => PinnGraph.Activate(graph, Networks.Layers.Activation.Gelu, x);

    /// <summary><see cref="PointwiseLinear"/> as a convolution with a kernel of size 1 along each of the d axes.</summary>
    private static string Pointwise(OnnxGraph graph, PointwiseLinear layer, string x, int d)
    {
        using var kernel = layer.Weight.reshape([.. layer.Weight.shape, .. Enumerable.Repeat(1L, d)]);
        return graph.Node("Conv", [x, graph.Constant(kernel, "pointwise_weight"), graph.Constant(layer.Bias, "pointwise_bias")]);
    }

    /// <summary>
    /// <see cref="SpectralConvolution.forward"/> on h [B, C, N1, ..., Nd]: a one-sided DFT along the last axis and full
    /// DFTs along the others, keeping the retained modes; the complex product with the weights as one real matrix
    /// product per mode; the modes scattered back with zeros and inverse DFTs, the last one the inverse real DFT.
    /// </summary>
    private static string SpectralConvolution(OnnxGraph graph, SpectralConvolution layer, string h)
    {
        int d = layer.Dimension;
        int[] modes = layer.Modes;
        int last = 1 + d;
        string s = graph.Node("DFT", [graph.Unsqueeze(h, -1)], ("axis", (long)last), ("onesided", 1L));
        s = graph.Slice(s, [0], [modes[d - 1]], [last]);
        for (int j = d - 2; j >= 0; j--)
        {
            long axis = 2 + j;
            s = graph.Node("DFT", [s], ("axis", axis));
            s = graph.Concat([graph.Slice(s, [0], [modes[j]], [axis]), graph.Slice(s, [-modes[j]], [long.MaxValue], [axis])], axis);
        }
        s = Contract(graph, layer.Weights, s);
        for (int j = d - 2; j >= 0; j--)
        {
            long axis = 2 + j;
            string positive = graph.Slice(s, [0], [modes[j]], [axis]);
            string negative = graph.Slice(s, [modes[j]], [2 * modes[j]], [axis]);
            string gap = graph.Sub(graph.Shape(h, axis, axis + 1), graph.Ints(2 * modes[j]));
            s = graph.Concat([PadEnd(graph, positive, gap, axis, d + 3), negative], axis);
            s = graph.Node("DFT", [s], ("axis", axis), ("inverse", 1L));
        }
        s = graph.Mul(s, HalfSpectrumWeights(graph, h, modes[d - 1], last));
        s = PadEnd(graph, s, graph.Sub(graph.Shape(h, last, last + 1), graph.Ints(modes[d - 1])), last, d + 3);
        s = graph.Node("DFT", [s], ("axis", (long)last), ("inverse", 1L));
        return graph.Squeeze(graph.Slice(s, [0], [1], [-1]), -1);
    }

    /// <summary>
    /// Weights [m, 1] that make the real part of a complex inverse DFT of the kept half spectrum the inverse real DFT:
    /// 1 for the mean, 2 for each mode that stands for itself and its conjugate, 1 for the Nyquist mode, which is kept
    /// when N = 2 (m - 1).
    /// </summary>
    private static string HalfSpectrumWeights(OnnxGraph graph, string h, int m, int axis)
    {
        float[] weights = [.. Enumerable.Range(0, m).Select(k => k == 0 ? 1f : 2f)];
        string doubled = graph.Constant(weights, [m, 1], "half_spectrum");
        if (m < 2) return doubled;
        float[] lastMode = new float[m];
        lastMode[^1] = 1;
        string nyquist = graph.Node("Cast", [graph.Node("Equal", [graph.Shape(h, axis, axis + 1), graph.Ints(2L * (m - 1))])], ("to", 1L));
        return graph.Sub(doubled, graph.Mul(graph.Constant(lastMode, [m, 1], "nyquist"), nyquist));
    }

    /// <summary>Appends <paramref name="size"/> [1] zeros to <paramref name="x"/> (of rank <paramref name="rank"/>) along one axis.</summary>
    private static string PadEnd(OnnxGraph graph, string x, string size, long axis, int rank) =>
        graph.Node("Pad", [x, graph.Concat([graph.Ints(new long[rank + axis]), size, graph.Ints(new long[rank - axis - 1])], 0)]);

    /// <summary>
    /// y[b, o, k] = sum_i x[b, i, k] R[i, o, k] on the [..., 2] layout: per mode k, [x_re, x_im] [B, 2 in] times the real
    /// matrix [[R_re, R_im], [-R_im, R_re]] [2 in, 2 out] gives [y_re, y_im].
    /// </summary>
    private static string Contract(OnnxGraph graph, SpectralWeights weights, string s)
    {
        int inChannels = weights.InChannels, outChannels = weights.OutChannels, count = weights.ModeCount;
        string blocks;
        using (var scope = NewDisposeScope())
        {
            var r = view_as_real(weights.Reconstruct().detach()).reshape(inChannels, outChannels, count, 2).permute(2, 0, 1, 3);
            var (re, im) = (r.select(-1, 0), r.select(-1, 1));
            blocks = graph.Constant(cat([cat([re, im], 2), cat([-im, re], 2)], 1), "spectral_weight");
        }
        string x = graph.Reshape(s, 0, inChannels, count, 2);
        x = graph.Reshape(graph.Transpose(x, 2, 0, 3, 1), count, -1, 2 * inChannels);
        string y = graph.Reshape(graph.MatMul(x, blocks), count, -1, 2, outChannels);
        y = graph.Transpose(y, 1, 3, 0, 2);
        return graph.Reshape(y, [0, outChannels, .. weights.ModeShape.Select(k => (long)k), 2]);
    }
}
