using Physis.Solvers.Spectral;

namespace Physis.Tests.Solvers;

public class FftTests
{
    private static (double[] Re, double[] Im) DirectDft(double[] re, double[] im, int sign)
    {
        int n = re.Length;
        var outRe = new double[n];
        var outIm = new double[n];
        for (int k = 0; k < n; k++)
        {
            double sr = 0, si = 0;
            for (int j = 0; j < n; j++)
            {
                double angle = sign * 2 * Math.PI * ((long)j * k % n) / n;
                double c = Math.Cos(angle), s = Math.Sin(angle);
                sr += re[j] * c - im[j] * s;
                si += re[j] * s + im[j] * c;
            }
            outRe[k] = sr;
            outIm[k] = si;
        }
        return (outRe, outIm);
    }

    private static double[] RandomArray(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 2 * rng.NextDouble() - 1;
        return x;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(17)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(128)]
    [InlineData(1024)]
    public void ComplexForwardAndInverseMatchDirectDft(int n)
    {
        var re = RandomArray(n, 1);
        var im = RandomArray(n, 2);
        var (expRe, expIm) = DirectDft(re, im, -1);
        var fr = (double[])re.Clone();
        var fi = (double[])im.Clone();
        var plan = ComplexFft.Get(n);
        plan.Forward(fr, fi);
        double tol = 1e-13 * n;
        for (int k = 0; k < n; k++)
        {
            Assert.Equal(expRe[k], fr[k], tol);
            Assert.Equal(expIm[k], fi[k], tol);
        }
        plan.Inverse(fr, fi);
        for (int j = 0; j < n; j++)
        {
            Assert.Equal(re[j], fr[j], 1e-14 * n);
            Assert.Equal(im[j], fi[j], 1e-14 * n);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(64)]
    [InlineData(1024)]
    public void RealForwardAndInverseMatchDirectDft(int n)
    {
        var x = RandomArray(n, 3);
        var (expRe, expIm) = DirectDft(x, new double[n], -1);
        var plan = RealFft.Get(n);
        var re = new double[plan.SpectrumLength];
        var im = new double[plan.SpectrumLength];
        plan.Forward(x, re, im);
        for (int k = 0; k < plan.SpectrumLength; k++)
        {
            Assert.Equal(expRe[k], re[k], 1e-13 * n);
            Assert.Equal(expIm[k], im[k], 1e-13 * n);
        }
        var back = new double[n];
        plan.Inverse(re, im, back);
        for (int j = 0; j < n; j++) Assert.Equal(x[j], back[j], 1e-14 * n);
    }

    [Fact]
    public void RealInverseTakesConjugateSymmetricExtension()
    {
        // A single coefficient X_3 = 1 - 2i (and its implied conjugate X_{n-3}) is 2 cos(..) + 4 sin(..) over n.
        int n = 16;
        var plan = RealFft.Get(n);
        var re = new double[plan.SpectrumLength];
        var im = new double[plan.SpectrumLength];
        re[3] = 1;
        im[3] = -2;
        var x = new double[n];
        plan.Inverse(re, im, x);
        for (int j = 0; j < n; j++)
        {
            double theta = 2 * Math.PI * 3 * j / n;
            Assert.Equal((2 * Math.Cos(theta) + 4 * Math.Sin(theta)) / n, x[j], 1e-15);
        }
    }

    [Theory]
    [InlineData(8, 16)]
    [InlineData(6, 10)]
    [InlineData(5, 7)]
    [InlineData(16, 1)]
    public void Real2DMatchesDirectDft(int rows, int columns)
    {
        var x = RandomArray(rows * columns, 4);
        var plan = RealFft2D.Get(rows, columns);
        var re = new double[plan.SpectrumLength];
        var im = new double[plan.SpectrumLength];
        plan.Forward(x, re, im);
        int w = plan.SpectrumColumns;
        for (int p = 0; p < rows; p++)
        {
            for (int q = 0; q < w; q++)
            {
                double sr = 0, si = 0;
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < columns; j++)
                    {
                        double angle = -2 * Math.PI * ((double)p * i / rows + (double)q * j / columns);
                        sr += x[i * columns + j] * Math.Cos(angle);
                        si += x[i * columns + j] * Math.Sin(angle);
                    }
                Assert.Equal(sr, re[p * w + q], 1e-12);
                Assert.Equal(si, im[p * w + q], 1e-12);
            }
        }
        var back = new double[rows * columns];
        plan.Inverse(re, im, back);
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i], back[i], 1e-14);
    }

    [Fact]
    public void WrongLengthGetsClearError()
    {
        var plan = RealFft.Get(8);
        var ex = Assert.Throws<ArgumentException>(() => plan.Forward(new double[8], new double[4], new double[5]));
        Assert.Contains("5 coefficients", ex.Message);
    }
}
