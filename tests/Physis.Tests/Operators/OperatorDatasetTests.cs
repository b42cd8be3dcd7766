using Physis.Data;
using PureHDF;

namespace Physis.Tests.Operators;

public class OperatorDatasetTests
{
    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"physis-data-{Guid.NewGuid():N}.h5");

    [Fact]
    public void WrittenFilesReadBackAndSubsample()
    {
        string path = TempFile();
        try
        {
            var data = OperatorTrainingTests.HeatData(3, 16, seed: 1);
            data.Write(path);
            var read = OperatorDataset.Read(path);
            Assert.Equal(data.Inputs, read.Inputs);
            Assert.Equal(data.Targets, read.Targets);
            Assert.Equal(data.Coordinates[0], read.Coordinates[0]);
            var half = read.Subsample(8);
            Assert.Equal([8], half.Grid);
            Assert.Equal(data.Targets[2], half.Targets[1]);
            Assert.Throws<ArgumentException>(() => read.Subsample(7));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TwoDimensionalLayoutTakesTheLastTime()
    {
        string path = TempFile();
        try
        {
            var tensor = new double[2 * 3 * 4 * 5];
            for (int i = 0; i < tensor.Length; i++) tensor[i] = i;
            new H5File
            {
                ["input"] = new H5Dataset(new double[2 * 4 * 5], fileDims: [2, 4, 5]),
                ["tensor"] = new H5Dataset(tensor, fileDims: [2, 3, 4, 5]),
                ["t-coordinate"] = new double[] { 0, 0.5, 1 },
                ["x-coordinate"] = new double[] { 0, 1, 2, 3 },
                ["y-coordinate"] = new double[] { 0, 1, 2, 3, 4 },
            }.Write(path);
            var data = OperatorDataset.Read(path);
            Assert.Equal([4, 5], data.Grid);
            Assert.Equal(40.0, data.Targets[0]);      // sample 0, time 2
            Assert.Equal(100.0, data.Targets[20]);    // sample 1, time 2
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("missing", "no dataset 'tensor'")]
    [InlineData("shape", "'tensor' has shape [2, 1, 7]")]
    [InlineData("nan", "non-finite value (NaN) in sample 1, point 3")]
    [InlineData("rank", "expected [N, nx] (1D) or [N, nx, ny] (2D)")]
    public void BadFilesGiveClearErrors(string problem, string message)
    {
        string path = TempFile();
        try
        {
            var input = new double[2 * 8];
            if (problem == "nan") input[8 + 3] = double.NaN;
            var file = new H5File
            {
                ["input"] = problem == "rank"
                    ? new H5Dataset(new double[2 * 2 * 2 * 2], fileDims: [2, 2, 2, 2])
                    : new H5Dataset(input, fileDims: [2, 8]),
                ["t-coordinate"] = new double[] { 1 },
                ["x-coordinate"] = new double[8],
            };
            if (problem != "missing")
                file["tensor"] = problem == "shape"
                    ? new H5Dataset(new double[14], fileDims: [2, 1, 7])
                    : new H5Dataset(new double[16], fileDims: [2, 1, 8]);
            file.Write(path);
            var error = Assert.Throws<InvalidDataException>(() => OperatorDataset.Read(path));
            Assert.Contains(message, error.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NonHdf5FileIsNamedInTheError()
    {
        string path = TempFile();
        try
        {
            File.WriteAllText(path, "not hdf5");
            var error = Assert.Throws<InvalidDataException>(() => OperatorDataset.Read(path));
            Assert.Contains(path, error.Message);
        }
        finally { File.Delete(path); }
    }
}
