namespace EdgeLite.Optimize.Calibration;

/// <summary>
/// A representative dataset for calibration: <see cref="Count"/> samples, each written into the inputs of an
/// interpreter over the float model. Samples are visited more than once (the histogram estimators take two passes).
/// </summary>
public interface ICalibrationData
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Writes sample <paramref name="index"/> into the interpreter's inputs.</summary>
    void Fill(int index, Interpreter interpreter);
}

/// <summary>Calibration samples given as the raw bytes of every model input (little-endian, the input's type).</summary>
public sealed class RawCalibrationData : ICalibrationData
{
    private readonly IReadOnlyList<byte[][]> _samples;

    /// <summary>Each sample holds one byte array per model input.</summary>
    public RawCalibrationData(IReadOnlyList<byte[][]> samples) => _samples = samples ?? throw new ArgumentNullException(nameof(samples));

    /// <inheritdoc />
    public int Count => _samples.Count;

    /// <inheritdoc />
    public void Fill(int index, Interpreter interpreter)
    {
        var s = _samples[index];
        if (s.Length != interpreter.InputCount) throw new ArgumentException($"calibration sample {index} has {s.Length} inputs, the model {interpreter.InputCount}");
        for (int i = 0; i < s.Length; i++)
        {
            var t = interpreter.GetInputTensor(i);
            if (s[i].Length != t.ByteLength) throw new ArgumentException($"calibration sample {index} input {i} '{t.Name}' has {s[i].Length} bytes, the input needs {t.ByteLength}");
            t.CopyFromBytes(s[i]);
        }
    }
}
