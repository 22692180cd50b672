// Checks the edgelite tool package (docs/deployment.md): under 40 MB, natives for Linux only (no win/osx, no native
// debug files), licence, readme and icon in the nuspec. Run: dotnet run .ci/check-package.cs -- PACKAGE.nupkg
using System.IO.Compression;
using System.Xml.Linq;

var path = args.Length == 1 ? args[0] : throw new ArgumentException("usage: check-package PACKAGE.nupkg");
var errors = new List<string>();
long size = new FileInfo(path).Length;
if (size > 40L << 20) errors.Add($"package is {size >> 20} MB (limit 40 MB)");
using var zip = ZipFile.OpenRead(path);
long unpacked = zip.Entries.Sum(e => e.Length);
if (unpacked > 40L << 20) errors.Add($"package unpacks to {unpacked >> 20} MB (limit 40 MB)");
foreach (var e in zip.Entries)
{
    var name = e.FullName.Replace('\\', '/');
    if (name.Contains("/runtimes/") && !name.Contains("/runtimes/linux-")) errors.Add($"non-Linux native: {name}");
    if (name.Contains("/runtimes/") && name.EndsWith(".pdb")) errors.Add($"native debug file: {name}");
}
var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec"));
XNamespace ns = XDocument.Load(nuspec.Open()).Root!.Name.Namespace;
var meta = XDocument.Load(nuspec.Open()).Root!.Element(ns + "metadata")!;
foreach (var field in new[] { "license", "readme", "icon", "description" })
    if (string.IsNullOrWhiteSpace(meta.Element(ns + field)?.Value)) errors.Add($"nuspec has no {field}");
foreach (var file in new[] { meta.Element(ns + "readme")?.Value, meta.Element(ns + "icon")?.Value })
    if (file != null && zip.GetEntry(file) == null) errors.Add($"{file} is named in the nuspec but not packed");
string? repo = meta.Element(ns + "repository")?.Attribute("url")?.Value;
Console.WriteLine($"{Path.GetFileName(path)}: {size / 1048576.0:F1} MB packed, {unpacked / 1048576.0:F1} MB unpacked, " +
    $"natives: {string.Join(", ", zip.Entries.Where(e => e.FullName.Contains("/runtimes/")).Select(e => e.FullName.Split('/')[^3]).Distinct())}, " +
    $"repository: {repo ?? "(none: the clone has no git remote; pass -p:RepositoryUrl=...)"}");
foreach (var e in errors) Console.Error.WriteLine("check-package: " + e);
return errors.Count == 0 ? 0 : 1;
