using EdgeLite.Kernels.Common;
using EdgeLite.Quantization;

namespace EdgeLite.Kernels;

/// <summary>
/// CONV_3D (float32, as TFLite): input [N, D, H, W, Cin], filter [kD, kH, kW, Cin, Cout], optional bias [Cout] →
/// [N, D', H', W', Cout]; SAME/VALID padding, strides and dilations per axis, fused activation. Reference loops: the
/// taps in (kd, kh, kw, cin) order, the bias added last, as TFLite's reference Conv3D.
/// </summary>
internal sealed unsafe class Conv3D : OpKernel
{
    private int _sd, _sh, _sw, _dd, _dh, _dw, _pd, _ph, _pw;
    private float _min, _max;

    public override void Prepare(KernelContext context)
    {
        var x = context.Input(0); var f = context.Input(1); var b = context.OptionalInput(2); var y = context.Output(0);
        if (x.Type != TensorType.Float32 || f.Type != TensorType.Float32 || y.Type != TensorType.Float32 || b != null && b.Type != TensorType.Float32)
            throw context.Unsupported("only float32 CONV_3D is implemented (TFLite's only type)");
        if (x.Rank != 5 || f.Rank != 5) throw context.Invalid($"input {x} and filter {f} must be 5-D");
        if (f.Dim(3) != x.Dim(4)) throw context.Invalid($"filter {f} takes {f.Dim(3)} channels, the input has {x.Dim(4)}");
        int cout = f.Dim(4);
        if (b != null && b.ElementCount != cout) throw context.Invalid($"bias {b} must hold {cout} values");
        var o = context.Options<Schema.Conv3DOptions>() ?? throw context.Invalid("missing Conv3DOptions");
        _sd = o.StrideD; _sh = o.StrideH; _sw = o.StrideW; _dd = o.DilationDFactor; _dh = o.DilationHFactor; _dw = o.DilationWFactor;
        if (_sd < 1 || _sh < 1 || _sw < 1 || _dd < 1 || _dh < 1 || _dw < 1) throw context.Invalid("strides and dilations must be positive");
        int od = PaddingUtil.OutputSize(o.Padding, x.Dim(1), f.Dim(0), _sd, _dd);
        int oh = PaddingUtil.OutputSize(o.Padding, x.Dim(2), f.Dim(1), _sh, _dh);
        int ow = PaddingUtil.OutputSize(o.Padding, x.Dim(3), f.Dim(2), _sw, _dw);
        _pd = PaddingUtil.PaddingWithOffset(_sd, _dd, x.Dim(1), f.Dim(0), od, out _);
        _ph = PaddingUtil.PaddingWithOffset(_sh, _dh, x.Dim(2), f.Dim(1), oh, out _);
        _pw = PaddingUtil.PaddingWithOffset(_sw, _dw, x.Dim(3), f.Dim(2), ow, out _);
        var act = (FusedActivation)(sbyte)o.FusedActivationFunction;
        if (act is not (FusedActivation.None or FusedActivation.Relu or FusedActivation.ReluN1To1 or FusedActivation.Relu6)) throw context.Unsupported($"activation {act}");
        (_min, _max) = QuantizationUtils.ActivationRange(act);
        context.SetOutputShape(0, [x.Dim(0), od, oh, ow, cout]);
    }

    public override void Eval(KernelContext context)
    {
        var x = context.Input(0); var f = context.Input(1); var b = context.OptionalInput(2); var y = context.Output(0);
        float* xp = (float*)x.DataPointer, fp = (float*)f.DataPointer, yp = (float*)y.DataPointer, bp = b == null ? null : (float*)b.DataPointer;
        int n = x.Dim(0), id = x.Dim(1), ih = x.Dim(2), iw = x.Dim(3), cin = x.Dim(4);
        int kd = f.Dim(0), kh = f.Dim(1), kw = f.Dim(2), cout = f.Dim(4);
        int od = y.Dim(1), oh = y.Dim(2), ow = y.Dim(3);
        long o = 0;
        for (int bn = 0; bn < n; bn++)
            for (int z = 0; z < od; z++)
                for (int r = 0; r < oh; r++)
                    for (int c = 0; c < ow; c++)
                        for (int oc = 0; oc < cout; oc++, o++)
                        {
                            float s = 0;
                            for (int a = 0; a < kd; a++)
                            {
                                int zi = z * _sd - _pd + a * _dd;
                                if ((uint)zi >= (uint)id) continue;
                                for (int p = 0; p < kh; p++)
                                {
                                    int ri = r * _sh - _ph + p * _dh;
                                    if ((uint)ri >= (uint)ih) continue;
                                    for (int q = 0; q < kw; q++)
                                    {
                                        int ci = c * _sw - _pw + q * _dw;
                                        if ((uint)ci >= (uint)iw) continue;
                                        float* xi = xp + ((((long)bn * id + zi) * ih + ri) * iw + ci) * cin;
                                        float* fi = fp + (((long)a * kh + p) * kw + q) * cin * cout + oc;
                                        for (int k = 0; k < cin; k++) s += xi[k] * fi[(long)k * cout];
                                    }
                                }
                            }
                            if (bp != null) s += bp[oc];
                            yp[o] = Math.Clamp(s, _min, _max);
                        }
    }
}
