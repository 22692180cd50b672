namespace EdgeLite.Kernels.MediaPipe;

/// <summary>
/// MediaPipe's custom <c>TransformTensorBilinear</c> (version 2): samples input [1, H, W, C] at the points a 4×4
/// matrix [1, 4, 4] maps the output pixels to, giving [1, output_height, output_width, C] (options, FlexBuffer map:
/// output_height, output_width). Output pixel (x, y) samples input point (m00·x + m01·y + m03', m10·x + m11·y + m13')
/// where the translation is corrected for pixel centres (version 2's "align corners": m03' = m03 + (m00 + m01)/2 - 1/2,
/// likewise m13'). A point outside [0, W-1] × [0, H-1] gives 0; inside, bilinear interpolation of the four
/// neighbours (a neighbour past the last row/column counts as 0, with weight 0 at the edge).
/// </summary>
internal sealed unsafe class TransformTensorBilinear : OpKernel
{
    /// <summary>The custom code.</summary>
    public const string CustomCode = "TransformTensorBilinear";

    private int _inH, _inW, _c, _outH, _outW;

    public override void Prepare(KernelContext context)
    {
        if (context.Operator.Version != 2) throw context.Unsupported($"version {context.Operator.Version} (only version 2, MediaPipe's CPU kernel, is implemented)");
        if (context.InputCount != 2 || context.OutputCount != 1) throw context.Invalid($"expects 2 inputs and 1 output, has {context.InputCount} and {context.OutputCount}");
        var x = context.Input(0); var m = context.Input(1); var y = context.Output(0);
        if (x.Type != TensorType.Float32 || m.Type != TensorType.Float32 || y.Type != TensorType.Float32)
            throw context.Unsupported($"{x.Type.ToDTypeName()} input, {m.Type.ToDTypeName()} matrix, {y.Type.ToDTypeName()} output (float32 only)");
        if (x.Rank != 4 || x.Dim(0) != 1) throw context.Invalid($"input {x} (expected [1, H, W, C])");
        if (m.ElementCount != 16) throw context.Invalid($"matrix {m} (expected [1, 4, 4])");
        var o = FlexBufferMap.Parse(context.CustomOptions);
        long h = o.GetInt("output_height"), w = o.GetInt("output_width");
        if (h <= 0 || w <= 0 || h * w > Model.MaxTensorBytes / 4 / Math.Max(1, x.Dim(3)))
            throw context.Invalid($"output size {h}x{w} (options output_height, output_width)");
        _inH = x.Dim(1); _inW = x.Dim(2); _c = x.Dim(3); _outH = (int)h; _outW = (int)w;
        context.SetOutputShape(0, [1, _outH, _outW, _c]);
    }

    public override void Eval(KernelContext context)
    {
        float* x = (float*)context.Input(0).DataPointer, m = (float*)context.Input(1).DataPointer, y = (float*)context.Output(0).DataPointer;
        float a0 = m[0], a1 = m[1], a2 = m[2], a3 = m[3], b0 = m[4], b1 = m[5], b2 = m[6], b3 = m[7];
        a3 = (float)(a3 + (a0 * 0.5 + a1 * 0.5 - 0.5));
        b3 = (float)(b3 + (b0 * 0.5 + b1 * 0.5 - 0.5));
        int c = _c;
        long rowStride = (long)_inW * c;
        for (int oy = 0; oy < _outH; oy++)
            for (int ox = 0; ox < _outW; ox++)
            {
                float* dst = y + ((long)oy * _outW + ox) * c;
                float tx = a0 * ox + a1 * oy + a2 * 0f + a3, ty = b0 * ox + b1 * oy + b2 * 0f + b3;
                // NaN coordinates fail these tests too and are treated as outside
                if (!(tx >= 0f && tx <= _inW - 1 && ty >= 0f && ty <= _inH - 1))
                {
                    new Span<float>(dst, c).Clear();
                    continue;
                }
                float fx = MathF.Floor(tx), fy = MathF.Floor(ty);
                int x0 = (int)fx, y0 = (int)fy;
                float right = tx - fx, lower = ty - fy;
                bool hasRight = x0 + 1 < _inW, hasLower = y0 + 1 < _inH;
                float* p11 = x + y0 * rowStride + (long)x0 * c;
                float* p21 = p11 + c, p12 = p11 + rowStride, p22 = p12 + c;
                for (int z = 0; z < c; z++)
                {
                    float q11 = p11[z];
                    float q21 = hasRight ? p21[z] : 0f;
                    float q12 = hasLower ? p12[z] : 0f;
                    float q22 = hasRight && hasLower ? p22[z] : 0f;
                    float upper = (float)((1.0 - right) * q11 + right * q21);
                    float low = (float)((1.0 - right) * q12 + right * q22);
                    dst[z] = (float)(lower * low + (1.0 - lower) * upper);
                }
            }
    }
}
