using EdgeLite.Optimize;
using SkiaSharp;

namespace EdgeLite.Cli.Commands;

/// <summary>
/// The debugger's plot: one bar per operator output in execution order, its height the SQNR against the float model
/// (capped at 60 dB), its colour how much error that operator added (grey: none, red: 10 dB or more); the five operators
/// that add the most are labelled. Written as PNG (<c>--plot</c>).
/// </summary>
internal static class QuantizationPlot
{
    public static void Save(QuantizationReport report, string title, string path)
    {
        const int W = 1400, H = 520, Left = 60, Right = 20, Top = 50, Bottom = 60;
        const double MaxDb = 60;
        var layers = report.Layers;
        using var bitmap = new SKBitmap(W, H);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            var typeface = EdgeLite.Vision.Drawing.Typeface;
            bool text = typeface.GlyphCount > 0;
            using var font = new SKFont(typeface, 13);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var grid = new SKPaint { Color = new SKColor(220, 220, 220), StrokeWidth = 1 };
            float plotW = W - Left - Right, plotH = H - Top - Bottom;
            float Y(double db) => Top + plotH * (float)(1 - Math.Clamp(db, 0, MaxDb) / MaxDb);
            for (int db = 0; db <= MaxDb; db += 10)
            {
                canvas.DrawLine(Left, Y(db), W - Right, Y(db), grid);
                if (text) canvas.DrawText($"{db} dB", 4, Y(db) + 4, SKTextAlign.Left, font, ink);
            }
            if (text)
            {
                using var big = new SKFont(typeface, 16);
                canvas.DrawText(title, Left, 24, SKTextAlign.Left, big, ink);
                string outs = string.Join(", ", report.Outputs.Select(o => $"{o.Tensor}: {(double.IsFinite(o.SqnrDb) ? o.SqnrDb.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "inf")} dB"));
                canvas.DrawText($"outputs {outs}   ({report.Samples} samples; bar = SQNR of each operator's output; red = error it adds)", Left, 42, SKTextAlign.Left, font, ink);
            }
            if (layers.Count > 0)
            {
                float bw = plotW / layers.Count;
                using var bar = new SKPaint { Style = SKPaintStyle.Fill };
                for (int i = 0; i < layers.Count; i++)
                {
                    var l = layers[i];
                    double drop = double.IsFinite(l.SqnrDropDb) ? Math.Clamp(l.SqnrDropDb, 0, 10) / 10 : 0;
                    bar.Color = new SKColor((byte)(150 + 105 * drop), (byte)(150 - 120 * drop), (byte)(150 - 120 * drop));
                    double db = double.IsPositiveInfinity(l.SqnrDb) ? MaxDb : l.SqnrDb;
                    canvas.DrawRect(SKRect.Create(Left + i * bw + bw * 0.1f, Y(db), Math.Max(1, bw * 0.8f), Y(0) - Y(db)), bar);
                }
                if (text)
                {
                    foreach (var (l, i) in layers.Select((l, i) => (l, i)).Where(x => double.IsFinite(x.l.SqnrDropDb)).OrderByDescending(x => x.l.SqnrDropDb).Take(5))
                    {
                        double db = double.IsPositiveInfinity(l.SqnrDb) ? MaxDb : l.SqnrDb;
                        canvas.DrawText($"#{l.OperatorIndex} {l.OpName}", Left + i * bw, Math.Max(Top + 12, Y(db) - 4), SKTextAlign.Left, font, ink);
                    }
                    canvas.DrawText("operators in execution order →", Left, H - Bottom + 20, SKTextAlign.Left, font, ink);
                }
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
