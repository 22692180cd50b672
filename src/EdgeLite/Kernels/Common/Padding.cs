namespace EdgeLite.Kernels.Common;

/// <summary>Output sizes and padding of windowed ops (conv, depthwise conv, pooling) as TFLite computes them.</summary>
internal readonly record struct PaddingValues(int Height, int Width, int HeightOffset, int WidthOffset);

internal static class PaddingUtil
{
    /// <summary>Output size along one axis for SAME or VALID padding (TFLite's ComputeOutSize).</summary>
    public static int OutputSize(Schema.Padding padding, int inSize, int filterSize, int stride, int dilation = 1)
    {
        int effective = (filterSize - 1) * dilation + 1;
        if (stride <= 0) return 0;
        return padding switch
        {
            Schema.Padding.SAME => (inSize + stride - 1) / stride,
            Schema.Padding.VALID => Math.Max(0, (inSize + stride - effective) / stride),
            _ => 0,
        };
    }

    /// <summary>Padding before (and the extra one after, as offset) along one axis (TFLite's ComputePaddingWithOffset).</summary>
    public static int PaddingWithOffset(int stride, int dilation, int inSize, int filterSize, int outSize, out int offset)
    {
        int effective = (filterSize - 1) * dilation + 1;
        int total = (outSize - 1) * stride + effective - inSize;
        total = total > 0 ? total : 0;
        offset = total % 2;
        return total / 2;
    }

    /// <summary>Computes output height/width and the padding (TFLite's ComputePaddingHeightWidth).</summary>
    public static PaddingValues Compute(Schema.Padding padding, int strideH, int strideW, int dilationH, int dilationW,
        int inH, int inW, int filterH, int filterW, out int outH, out int outW)
    {
        outH = OutputSize(padding, inH, filterH, strideH, dilationH);
        outW = OutputSize(padding, inW, filterW, strideW, dilationW);
        int ph = PaddingWithOffset(strideH, dilationH, inH, filterH, outH, out int oh);
        int pw = PaddingWithOffset(strideW, dilationW, inW, filterW, outW, out int ow);
        return new PaddingValues(ph, pw, oh, ow);
    }

    /// <summary>
    /// A convolution's output size and top/left padding: from its padding option, or — when the interpreter fused a
    /// PAD into it (<see cref="KernelContext.ExplicitPadding"/>) — VALID over the padded size with the PAD's amounts.
    /// </summary>
    public static void ForConvolution(KernelContext context, Schema.Padding padding, int strideH, int strideW, int dilationH, int dilationW,
        int inH, int inW, int filterH, int filterW, out int outH, out int outW, out int padH, out int padW)
    {
        if (context.ExplicitPadding is { } ep)
        {
            Compute(Schema.Padding.VALID, strideH, strideW, dilationH, dilationW, inH + ep.Top + ep.Bottom, inW + ep.Left + ep.Right, filterH, filterW, out outH, out outW);
            padH = ep.Top; padW = ep.Left;
            return;
        }
        var pad = Compute(padding, strideH, strideW, dilationH, dilationW, inH, inW, filterH, filterW, out outH, out outW);
        padH = pad.Height; padW = pad.Width;
    }
}
