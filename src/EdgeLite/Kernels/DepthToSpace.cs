namespace EdgeLite.Kernels;

/// <summary>
/// DEPTH_TO_SPACE and SPACE_TO_DEPTH over NHWC with block size b, any element size, as TFLite:
/// depth-to-space out[n, h·b + i, w·b + j, c] = in[n, h, w, (i·b + j)·C_out + c]; space-to-depth is its inverse.
/// </summary>
internal sealed unsafe class DepthToSpace(bool toSpace) : OpKernel
{
    private int _n, _h, _w, _c, _b, _elem; // input dims

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        _b = toSpace ? (context.Options<Schema.DepthToSpaceOptions>()?.BlockSize ?? 0) : (context.Options<Schema.SpaceToDepthOptions>()?.BlockSize ?? 0);
        if (_b <= 0) throw context.Invalid($"block size {_b}");
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        _n = x.Dim(0); _h = x.Dim(1); _w = x.Dim(2); _c = x.Dim(3); _elem = x.ElementSize;
        if (toSpace)
        {
            if (_c % (_b * _b) != 0) throw context.Invalid($"{_c} channels do not divide by block {_b}²");
            context.SetOutputShape(0, [_n, _h * _b, _w * _b, _c / (_b * _b)]);
        }
        else
        {
            if (_h % _b != 0 || _w % _b != 0) throw context.Invalid($"{x} does not divide by block {_b}");
            context.SetOutputShape(0, [_n, _h / _b, _w / _b, _c * _b * _b]);
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        int b = _b;
        if (toSpace)
        {
            int co = _c / (b * b);
            long run = (long)co * _elem;
            for (int n = 0; n < _n; n++)
                for (int h = 0; h < _h; h++)
                    for (int w = 0; w < _w; w++)
                        for (int i = 0; i < b; i++)
                            for (int j = 0; j < b; j++)
                            {
                                long src = ((((long)n * _h + h) * _w + w) * _c + (i * b + j) * co) * _elem;
                                long dst = ((((long)n * _h * b + h * b + i) * _w * b + w * b + j) * co) * _elem;
                                Buffer.MemoryCopy(x + src, y + dst, run, run);
                            }
        }
        else
        {
            int oh = _h / b, ow = _w / b, oc = _c * b * b;
            long run = (long)_c * _elem;
            for (int n = 0; n < _n; n++)
                for (int h = 0; h < oh; h++)
                    for (int w = 0; w < ow; w++)
                        for (int i = 0; i < b; i++)
                            for (int j = 0; j < b; j++)
                            {
                                long dst = ((((long)n * oh + h) * ow + w) * oc + (i * b + j) * _c) * _elem;
                                long src = ((((long)n * _h + h * b + i) * _w + w * b + j) * _c) * _elem;
                                Buffer.MemoryCopy(x + src, y + dst, run, run);
                            }
        }
    }
}
