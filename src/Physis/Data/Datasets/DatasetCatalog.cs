namespace Physis.Data.Datasets;

/// <summary>The datasets <c>physis generate</c> knows, by name.</summary>
public static class DatasetCatalog
{
    public static readonly IReadOnlyList<string> Names = ["burgers", "darcy", "navier-stokes", "allen-cahn", "kdv", "antiderivative"];

    /// <param name="resolution">Grid points per direction; null for the dataset's default.</param>
    /// <param name="times">Number of output times; null for the dataset's default.</param>
    public static DatasetGenerator Create(string name, int? resolution = null, int? times = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "burgers" => new BurgersDataset(resolution ?? BurgersDataset.DefaultResolution, times ?? 1),
            "darcy" when times is not (null or 1) =>
                throw new ArgumentException($"darcy is steady and has one output; --times {times} does not apply."),
            "darcy" => new DarcyDataset(resolution ?? DarcyDataset.DefaultResolution),
            "navier-stokes" =>
                new NavierStokesDataset(resolution ?? NavierStokesDataset.DefaultResolution, times ?? NavierStokesDataset.DefaultTimes),
            "allen-cahn" => TrajectoryDataset.AllenCahn(resolution ?? TrajectoryDataset.DefaultResolution, times ?? TrajectoryDataset.DefaultTimes),
            "kdv" => TrajectoryDataset.Kdv(resolution ?? TrajectoryDataset.DefaultResolution, times ?? TrajectoryDataset.DefaultTimes),
            "antiderivative" when times is not (null or 1) =>
                throw new ArgumentException($"antiderivative has one output; --times {times} does not apply."),
            "antiderivative" => new AntiderivativeDataset(resolution ?? AntiderivativeDataset.DefaultSensors),
            _ => throw new ArgumentException($"Unknown dataset '{name}'. Known datasets: {string.Join(", ", Names)}."),
        };
    }
}
