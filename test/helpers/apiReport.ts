// The public API as text, from the emitted declarations: every export of the Node and browser entries with its
// declaration, then every declaration of the package those reference (transitively), without comments. A change of
// this text is a change of the API (etc/megc-webgpu.api.d.ts records it; CHANGELOG.md says what it means).
import { relative } from 'node:path';
import ts from 'typescript';

/** The declaration statement at a source file's top level that holds `decl`, if any. */
function topLevelStatement(decl: ts.Node): ts.Statement | undefined {
  const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return node.parent && ts.isSourceFile(node.parent) ? (node as ts.Statement) : undefined;
}

/** The report for entries `entries` (declaration files) of the package whose declarations lie under `root`. */
export function apiReport(root: string, entries: { name: string; file: string }[]): string {
  const program = ts.createProgram(entries.map((e) => e.file), { noEmit: true, skipLibCheck: true, types: ['@webgpu/types'] });
  const checker = program.getTypeChecker();
  const own = (sf: ts.SourceFile) => !relative(root, sf.fileName).startsWith('..') && !sf.fileName.includes('node_modules');
  const printed = new Map<string, string>();  // key: file#name -> declaration text
  const queue: ts.Statement[] = [];
  const keyOf = (statement: ts.Statement) => {
    const sf = statement.getSourceFile();
    const name = ts.isVariableStatement(statement) ? statement.declarationList.declarations.map((d) => d.name.getText(sf)).join(',')
      : (statement as ts.DeclarationStatement).name?.getText(sf) ?? '?';
    return `${relative(root, sf.fileName)}#${name}`;
  };
  const include = (symbol: ts.Symbol | undefined) => {
    if (!symbol) return;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const decl of target.declarations ?? []) {
      const statement = topLevelStatement(decl);
      if (statement && own(statement.getSourceFile())) queue.push(statement);
    }
  };
  const sections: string[] = [];
  for (const entry of entries) {
    const sf = program.getSourceFile(entry.file);
    if (!sf) throw new Error(`${entry.file} was not emitted`);
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!).map((s) => s.name).sort();
    sections.push(`// ${entry.name} entry (${relative(root, entry.file)}) exports:\n//   ${exports.join(', ')}`);
    for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!)) include(symbol);
  }
  while (queue.length > 0) {
    const statement = queue.pop()!;
    const key = keyOf(statement);
    if (printed.has(key)) { if (!printed.get(key)!.includes(statement.getText())) printed.set(key, `${printed.get(key)}\n${statement.getText()}`); continue; }
    printed.set(key, statement.getText());
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node)) include(checker.getSymbolAtLocation(node));
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(statement, visit);
  }
  const declarations = [...printed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, text]) => `// ${key}\n${text.replace(/^export declare /gm, 'export ').replace(/^declare /gm, '')}`);
  return `// The public API of megc-webgpu, generated from dist/src by test/library_api.test.ts (MEGC_UPDATE_API=1 rewrites it).\n\n${sections.join('\n\n')}\n\n${declarations.join('\n\n')}\n`;
}

/** Exports of `entries` whose declarations carry no documentation comment (TSDoc), as `entry: name`. */
export function undocumentedExports(entries: { name: string; file: string }[]): string[] {
  const program = ts.createProgram(entries.map((e) => e.file), { noEmit: true, skipLibCheck: true, types: ['@webgpu/types'] });
  const checker = program.getTypeChecker();
  return entries.flatMap(({ name, file }) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!)
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '';
    })
    .map((symbol) => `${name}: ${symbol.name}`));
}
