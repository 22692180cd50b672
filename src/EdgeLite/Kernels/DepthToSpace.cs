namespace EdgeLite.Kernels;

/// <summary>
/// DEPTH_TO_SPACE (toSpace) and SPACE_TO_DEPTH on NHWC as TFLite's reference kernels: with block b and the depth
/// side's channels split as (by, bx, c), depth[n, h, w, (by·b + bx)·C + c] = space[n, h·b + by, w·b + bx, c].
/// Any element type (bytes are copied); block_size ≥ 1 and the divided dimensions must divide evenly.
/// </summary>
internal sealed unsafe class DepthToSpace(bool toSpace) : OpKernel
{
    private int _n, _h, _w, _c, _b, _elem; // _h, _w, _c: the depth side's (small-spatial) height, width, and the space side's channels

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var y = context.Output(0);
        if (x.Rank != 4) throw context.Invalid($"expects a 4-D input, got {x}");
        if (x.Type != y.Type) throw context.Invalid("input and output types differ");
        _elem = Elements.CopyableSize(context, x);
        _b = toSpace ? (context.Options<Schema.DepthToSpaceOptions>()?.BlockSize ?? 0) : (context.Options<Schema.SpaceToDepthOptions>()?.BlockSize ?? 0);
        if (_b < 1) throw context.Invalid($"block_size {_b}");
        _n = x.Dim(0);
        if (toSpace)
        {
            if (x.Dim(3) % (_b * _b) != 0) throw context.Invalid($"depth {x.Dim(3)} is not divisible by block_size² {_b * _b}");
            _h = x.Dim(1); _w = x.Dim(2); _c = x.Dim(3) / (_b * _b);
            context.SetOutputShape(0, [_n, _h * _b, _w * _b, _c]);
        }
        else
        {
            if (x.Dim(1) % _b != 0 || x.Dim(2) % _b != 0) throw context.Invalid($"height {x.Dim(1)} and width {x.Dim(2)} must be divisible by block_size {_b}");
            _h = x.Dim(1) / _b; _w = x.Dim(2) / _b; _c = x.Dim(3);
            context.SetOutputShape(0, [_n, _h, _w, _c * _b * _b]);
        }
    }

    public override void Eval(KernelContext context)
    {
        byte* x = context.Input(0).DataPointer, y = context.Output(0).DataPointer;
        long run = (long)_c * _elem;               // one contiguous (by, bx) group of channels
        int sw = _w * _b;                          // space-side width
        for (int n = 0; n < _n; n++)
            for (int h = 0; h < _h; h++)
                for (int w = 0; w < _w; w++)
                    for (int by = 0; by < _b; by++)
                        for (int bx = 0; bx < _b; bx++)
                        {
                            long depthOff = ((((long)n * _h + h) * _w + w) * _b * _b + by * _b + bx) * run;
                            long spaceOff = ((((long)n * _h * _b + h * _b + by) * sw) + w * _b + bx) * run;
                            if (toSpace) Buffer.MemoryCopy(x + depthOff, y + spaceOff, run, run);
                            else Buffer.MemoryCopy(x + spaceOff, y + depthOff, run, run);
                        }
    }
}
