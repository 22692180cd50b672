namespace EdgeLite.Kernels.MediaPipe;

/// <summary>
/// MediaPipe's custom <c>Landmarks2TransformMatrix</c> (version 2, the one MediaPipe's CPU resolver registers):
/// from landmarks [1, N, 3] (x, y, z) computes the 4×4 matrix [1, 4, 4] that maps pixel (x, y) of an
/// <c>output_width</c>×<c>output_height</c> crop to landmark coordinates. The crop is the rotated bounding box of
/// the <c>subset_idxs</c> landmarks: rotation r = <c>target_rotation_radians</c> - atan2(y_R - y_L, x_R - x_L) from
/// the <c>left_rotation_idx</c> / <c>right_rotation_idx</c> landmarks; the subset is rotated by r, its axis-aligned
/// box gives width w, height h and centre c (rotated back by -r). The result, row-major, is
/// shift(c) · rotate(-r) · scale(scale_x·w / output_width, scale_y·h / output_height) · shift(-output_width/2, -output_height/2).
/// Options (FlexBuffer map): subset_idxs (int vector; MediaPipe reads it as pairs, an odd last index is paired with
/// itself, which does not change the box), left_rotation_idx, right_rotation_idx, target_rotation_radians,
/// output_width, output_height, scale_x, scale_y. Arithmetic in float32 in MediaPipe's order.
/// </summary>
internal sealed unsafe class Landmarks2TransformMatrix : OpKernel
{
    /// <summary>The custom code.</summary>
    public const string CustomCode = "Landmarks2TransformMatrix";

    private int[] _subset = [];
    private int _left, _right, _outW, _outH;
    private float _targetRotation, _scaleX, _scaleY;

    public override void Prepare(KernelContext context)
    {
        if (context.Operator.Version != 2) throw context.Unsupported($"version {context.Operator.Version} (only version 2, MediaPipe's CPU kernel, is implemented)");
        if (context.InputCount != 1 || context.OutputCount != 1) throw context.Invalid($"expects 1 input and 1 output, has {context.InputCount} and {context.OutputCount}");
        var x = context.Input(0); var y = context.Output(0);
        if (x.Type != TensorType.Float32 || y.Type != TensorType.Float32) throw context.Unsupported($"{x.Type.ToDTypeName()} input, {y.Type.ToDTypeName()} output (float32 only)");
        if (x.Rank != 3 || x.Dim(0) != 1 || x.Dim(2) != 3) throw context.Invalid($"landmarks {x} (expected [1, N, 3])");
        int n = x.Dim(1);
        var o = FlexBufferMap.Parse(context.CustomOptions);
        var subset = o.GetVector("subset_idxs");
        if (subset == null || subset.Length == 0) throw context.Invalid("option subset_idxs missing or empty");
        _subset = new int[subset.Length];
        for (int i = 0; i < subset.Length; i++) _subset[i] = Index(context, subset[i], n, "subset_idxs");
        _left = Index(context, o.GetInt("left_rotation_idx"), n, "left_rotation_idx");
        _right = Index(context, o.GetInt("right_rotation_idx"), n, "right_rotation_idx");
        long w = o.GetInt("output_width"), h = o.GetInt("output_height");
        if (w <= 0 || h <= 0 || w > int.MaxValue || h > int.MaxValue) throw context.Invalid($"output size {w}x{h}");
        _outW = (int)w; _outH = (int)h;
        _scaleX = (float)o.GetFloat("scale_x"); _scaleY = (float)o.GetFloat("scale_y");
        if (!(_scaleX > 0) || !(_scaleY > 0) || float.IsInfinity(_scaleX) || float.IsInfinity(_scaleY)) throw context.Invalid($"scale {_scaleX}, {_scaleY} (must be positive)");
        _targetRotation = (float)o.GetFloat("target_rotation_radians");
        if (!float.IsFinite(_targetRotation)) throw context.Invalid($"target_rotation_radians {_targetRotation}");
        context.SetOutputShape(0, [1, 4, 4]);
    }

    private static int Index(KernelContext context, double value, int n, string what) =>
        value >= 0 && value < n && value == Math.Floor(value) ? (int)value
            : throw context.Invalid($"{what} {value} is not a landmark index (0..{n - 1})");

    public override void Eval(KernelContext context)
    {
        float* lm = (float*)context.Input(0).DataPointer, m = (float*)context.Output(0).DataPointer;
        float lx = lm[_left * 3], ly = lm[_left * 3 + 1], rx = lm[_right * 3], ry = lm[_right * 3 + 1];
        float rotation = _targetRotation - MathF.Atan2(ry - ly, rx - lx);

        // the subset rotated by `rotation`: its axis-aligned box
        float c = MathF.Cos(rotation), s = MathF.Sin(rotation);
        float minX = 0, minY = 0, maxX = 0, maxY = 0;
        for (int i = 0; i < _subset.Length; i++)
        {
            float px = lm[_subset[i] * 3], py = lm[_subset[i] * 3 + 1];
            float qx = c * px + -s * py + 0f, qy = s * px + c * py + 0f;
            if (i == 0) { minX = maxX = qx; minY = maxY = qy; continue; }
            if (maxX < qx) maxX = qx;
            if (maxY < qy) maxY = qy;
            if (minX > qx) minX = qx;
            if (minY > qy) minY = qy;
        }
        float cropW = maxX - minX, cropH = maxY - minY;
        float mx = (minX + maxX) / 2, my = (minY + maxY) / 2;
        // centre rotated back by -rotation
        float ci = MathF.Cos(-rotation), si = MathF.Sin(-rotation);
        float cropX = ci * mx + -si * my + 0f, cropY = si * mx + ci * my + 0f;

        // shift(crop) · rotate(-rotation) · scale · shift(-out/2), in float as 4x4 products
        float* t = stackalloc float[16], f = stackalloc float[16], tmp = stackalloc float[16];
        Identity(t);
        Identity(f); f[3] = cropX; f[7] = cropY;
        Multiply(t, f, tmp);
        Identity(f); f[0] = ci; f[1] = -si; f[4] = si; f[5] = ci;
        Multiply(t, f, tmp);
        Identity(f); f[0] = _scaleX * cropW / _outW; f[5] = _scaleY * cropH / _outH;
        Multiply(t, f, tmp);
        Identity(f); f[3] = (float)(-1.0 * (_outW / 2.0)); f[7] = (float)(-1.0 * (_outH / 2.0));
        Multiply(t, f, tmp);
        for (int i = 0; i < 16; i++) m[i] = t[i];
    }

    private static void Identity(float* a)
    {
        for (int i = 0; i < 16; i++) a[i] = 0;
        a[0] = a[5] = a[10] = a[15] = 1;
    }

    /// <summary>a = a · b (row-major 4x4), sums in k order as MediaPipe.</summary>
    private static void Multiply(float* a, float* b, float* tmp)
    {
        for (int r = 0; r < 4; r++)
            for (int col = 0; col < 4; col++)
            {
                float sum = 0;
                for (int k = 0; k < 4; k++) sum += a[r * 4 + k] * b[k * 4 + col];
                tmp[r * 4 + col] = sum;
            }
        for (int i = 0; i < 16; i++) a[i] = tmp[i];
    }
}
