using System.CommandLine;
using System.Text.Json;
using EdgeLite.Vision;

namespace EdgeLite.Cli.Commands;

/// <summary><c>edgelite inspect --model M</c>: I/O, op histogram, parameters, MACs, metadata, unsupported ops, and per
/// operator the kernels, input types and op versions outside EdgeLite's declared support (docs/ops.md).</summary>
internal static class InspectCommand
{
    internal sealed record OpStats(string Name, int Count, long Macs);

    public static Command Create(CommandIO io)
    {
        var modelArg = new Argument<string?>("model") { Description = "The .tflite model (or --model)", Arity = ArgumentArity.ZeroOrOne };
        var model = Shared.ModelOption("The .tflite model");
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var list = new Option<bool>("--ops") { Description = "Also list every operator in graph order: index, op, MACs, input and output tensors (constants marked)" };
        var cmd = new Command("inspect", "Describe a model: inputs/outputs, ops, parameters, MACs, metadata, unsupported ops") { modelArg, model, json, list };
        cmd.SetAction(p =>
        {
            var path = Shared.ModelPath(p.GetValue(model), p.GetValue(modelArg) is { } ma ? [ma] : [], onlyModel: true);
            using var m = Common.LoadModel(path);
            var sg = m.MainSubgraph;
            var resolver = OpResolver.CreateDefault();
            var ops = sg.Operators.GroupBy(o => o.OpName)
                .Select(g => new OpStats(g.Key, g.Count(), g.Sum(o => Macs(sg, o))))
                .OrderByDescending(s => s.Count).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
            var unsupported = m.OperatorCodes.Where(c => !resolver.CanResolve(c)).Select(c => c.Name).Distinct().ToList();
            // per operator, before anything runs: no kernel, an input type or an op version outside the declared support
            var problems = EdgeLite.Kernels.OpSupportTable.Problems(m, resolver);
            var constants = sg.Tensors.Where(t => t.IsConstant).ToList();
            long parameters = constants.Sum(t => t.ElementCount), paramBytes = constants.Sum(t => (long)t.DataLength);
            long totalMacs = ops.Sum(o => o.Macs);
            ModelMetadata? meta = null;
            string? metaError = null;
            try { meta = ModelMetadata.Read(m); } catch (ModelFormatException e) { metaError = e.Message; }
            if (p.GetValue(json))
            {
                using var ms = new MemoryStream();
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("model", path);
                    w.WriteNumber("version", m.Version);
                    w.WriteString("description", m.Description);
                    w.WriteNumber("subgraphs", m.Subgraphs.Count);
                    w.WriteStartArray("inputs"); foreach (var i in sg.Inputs) WriteTensor(w, sg.Tensors[i]); w.WriteEndArray();
                    w.WriteStartArray("outputs"); foreach (var oi in sg.Outputs) WriteTensor(w, sg.Tensors[oi]); w.WriteEndArray();
                    w.WriteStartArray("ops");
                    foreach (var st in ops) { w.WriteStartObject(); w.WriteString("op", st.Name); w.WriteNumber("count", st.Count); w.WriteNumber("macs", st.Macs); w.WriteEndObject(); }
                    w.WriteEndArray();
                    w.WriteNumber("operators", sg.Operators.Count);
                    w.WriteNumber("parameters", parameters);
                    w.WriteNumber("parameter_bytes", paramBytes);
                    w.WriteNumber("macs", totalMacs);
                    if (p.GetValue(list))
                    {
                        w.WriteStartArray("operators_list");
                        foreach (var op in sg.Operators)
                        {
                            w.WriteStartObject();
                            w.WriteNumber("index", op.Index); w.WriteString("op", op.OpName); w.WriteNumber("macs", Macs(sg, op));
                            w.WriteStartArray("inputs"); foreach (var t in op.Inputs) w.WriteNumberValue(t); w.WriteEndArray();
                            w.WriteStartArray("outputs"); foreach (var t in op.Outputs) w.WriteNumberValue(t); w.WriteEndArray();
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteStartArray("unsupported_ops"); foreach (var u in unsupported) w.WriteStringValue(u); w.WriteEndArray();
                    w.WriteStartArray("problems"); foreach (var u in problems) w.WriteStringValue(u); w.WriteEndArray();
                    w.WriteStartArray("signatures"); foreach (var s in m.Signatures) w.WriteStringValue(s.Key); w.WriteEndArray();
                    if (meta == null) w.WriteNull("metadata");
                    else
                    {
                        w.WriteStartObject("metadata");
                        w.WriteString("name", meta.Name); w.WriteString("description", meta.Description); w.WriteString("version", meta.Version);
                        w.WriteString("author", meta.Author); w.WriteString("license", meta.License);
                        if (meta.InputNormalization is { } n)
                        {
                            w.WriteStartArray("mean"); foreach (var v in n.Mean) w.WriteNumberValue(v); w.WriteEndArray();
                            w.WriteStartArray("std"); foreach (var v in n.Std) w.WriteNumberValue(v); w.WriteEndArray();
                        }
                        w.WriteStartArray("associated_files"); foreach (var f in meta.AssociatedFiles) w.WriteStringValue(f); w.WriteEndArray();
                        w.WriteNumber("labels", meta.Labels?.Count ?? 0);
                        w.WriteEndObject();
                    }
                    if (metaError != null) w.WriteString("metadata_error", metaError);
                    w.WriteEndObject();
                }
                io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
                return Cli.Ok;
            }
            var o = io.Out;
            o.WriteLine($"model        {path}");
            o.WriteLine($"schema       v{m.Version}, {m.Subgraphs.Count} subgraph(s), {sg.Operators.Count} operators, {sg.Tensors.Count} tensors");
            if (!string.IsNullOrEmpty(m.Description)) o.WriteLine($"description  {m.Description}");
            o.WriteLine("inputs");
            foreach (var i in sg.Inputs) o.WriteLine($"  {Describe(sg.Tensors[i])}");
            o.WriteLine("outputs");
            foreach (var i in sg.Outputs) o.WriteLine($"  {Describe(sg.Tensors[i])}");
            o.WriteLine("ops (count, MACs)");
            foreach (var s in ops) o.WriteLine($"  {s.Name,-32} {s.Count,5} {(s.Macs > 0 ? FormatMacs(s.Macs) : ""),12}");
            o.WriteLine($"parameters   {parameters:N0} ({paramBytes:N0} bytes)");
            o.WriteLine($"MACs         {FormatMacs(totalMacs)} per invoke");
            if (m.Signatures.Count > 0) o.WriteLine($"signatures   {string.Join(", ", m.Signatures.Select(s => s.Key))}");
            if (meta != null)
            {
                o.WriteLine($"metadata     {meta.Name} {meta.Version}".TrimEnd());
                if (meta.InputNormalization is { } n) o.WriteLine($"  normalization mean [{string.Join(", ", n.Mean)}] std [{string.Join(", ", n.Std)}]");
                if (meta.AssociatedFiles.Count > 0) o.WriteLine($"  files        {string.Join(", ", meta.AssociatedFiles)}");
                if (meta.Labels != null) o.WriteLine($"  labels       {meta.Labels.Count}");
            }
            if (metaError != null) o.WriteLine($"metadata     unreadable: {metaError}");
            o.WriteLine(unsupported.Count == 0 ? "EdgeLite runs every op of this model" : $"EdgeLite cannot run: {string.Join(", ", unsupported)}");
            if (problems.Count > 0)
            {
                o.WriteLine($"problems     {problems.Count} operator(s) outside what EdgeLite declares it runs (docs/ops.md):");
                foreach (var pr in problems) o.WriteLine($"  {pr}");
            }
            if (p.GetValue(list))
            {
                o.WriteLine("operators (index op: inputs -> outputs; const = constant tensor)");
                string T(int i) => i < 0 ? "-" : i >= sg.Tensors.Count ? $"#{i}?" : $"#{i} {(sg.Tensors[i].IsConstant ? "const " : "")}{sg.Tensors[i].Type.ToDTypeName()}[{string.Join(",", sg.Tensors[i].Shape)}]";
                foreach (var op in sg.Operators)
                {
                    long macs = Macs(sg, op);
                    o.WriteLine($"  #{op.Index} {op.OpName}{(macs > 0 ? $" ({FormatMacs(macs)} MACs)" : "")}: {string.Join(", ", op.Inputs.Select(T))} -> {string.Join(", ", op.Outputs.Select(T))}");
                }
            }
            return Cli.Ok;
        });
        return cmd;
    }

    private static string Describe(TensorDescription t) =>
        $"{t.Name}: {t.Type.ToDTypeName()}[{string.Join(",", t.Shape)}]" + (t.Quantization is { Scales.Count: > 0 } q ? $" {q}" : "");

    private static void WriteTensor(Utf8JsonWriter w, TensorDescription t)
    {
        w.WriteStartObject();
        w.WriteString("name", t.Name);
        w.WriteNumber("tensor_index", t.Index);
        w.WriteString("dtype", t.Type.ToDTypeName());
        w.WriteStartArray("shape"); foreach (var d in t.Shape) w.WriteNumberValue(d); w.WriteEndArray();
        if (t.Quantization is { Scales.Count: > 0 } q)
        {
            w.WriteStartObject("quantization");
            w.WriteStartArray("scale"); foreach (var s in q.Scales) w.WriteNumberValue((double)s); w.WriteEndArray();
            w.WriteStartArray("zero_point"); foreach (var z in q.ZeroPoints) w.WriteNumberValue(z); w.WriteEndArray();
            w.WriteNumber("quantized_dimension", q.QuantizedDimension);
            w.WriteEndObject();
        }
        else w.WriteNull("quantization");
        w.WriteEndObject();
    }

    private static string FormatMacs(long macs) => macs >= 1_000_000 ? $"{macs / 1e6:F1} M" : $"{macs:N0}";

    /// <summary>Multiply-accumulates of one operator, from the shapes in the file (0 for ops without a weight product).</summary>
    internal static long Macs(SubgraphDescription sg, OperatorDescription op)
    {
        TensorDescription? T(int i) => i < op.Inputs.Count && op.Inputs[i] >= 0 && op.Inputs[i] < sg.Tensors.Count ? sg.Tensors[op.Inputs[i]] : null;
        var output = op.Outputs.Count > 0 && op.Outputs[0] < sg.Tensors.Count ? sg.Tensors[op.Outputs[0]] : null;
        if (output == null) return 0;
        switch (op.OpName)
        {
            case "CONV_2D" when T(1) is { Shape.Count: 4 } w:
                return output.ElementCount * w.Shape[1] * w.Shape[2] * w.Shape[3];
            case "DEPTHWISE_CONV_2D" when T(1) is { Shape.Count: 4 } w:
                return output.ElementCount * w.Shape[1] * w.Shape[2];
            case "FULLY_CONNECTED" when T(1) is { Shape.Count: 2 } w:
                return output.ElementCount * w.Shape[1];
            case "TRANSPOSE_CONV" when T(1) is { Shape.Count: 4 } w && T(2) is { } x:
                return x.ElementCount * w.Shape[0] * w.Shape[1] * w.Shape[2];
            default: return 0;
        }
    }
}
