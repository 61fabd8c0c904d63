import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '../..');

/**
 * The type errors of `source`, compiled as a module at `virtualPath` (so its
 * relative imports resolve from there) with the project's tsconfig.json
 * (strict), at or after line `from` (1-based): `line: message -- source line`.
 * For snippets a user of the package writes (docs, mocks against the package
 * entry), which no tsc run of the project sees.
 */
export function typeErrorsIn(source: string, virtualPath: string, from = 1): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, noUnusedLocals: false };
  const base = ts.createCompilerHost(options);
  const host: ts.CompilerHost = {
    ...base,
    fileExists: (f) => f === virtualPath || base.fileExists(f),
    readFile: (f) => (f === virtualPath ? source : base.readFile(f)),
    getSourceFile: (f, lang, onError, create) => (f === virtualPath ? ts.createSourceFile(f, source, lang, true) : base.getSourceFile(f, lang, onError, create)),
  };
  const program = ts.createProgram([virtualPath], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === virtualPath)
    .map((d) => ({ line: d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line, text: ts.flattenDiagnosticMessageText(d.messageText, '\n') }))
    .filter((d) => d.line + 1 >= from)
    .map((d) => `${d.line + 1}: ${d.text} -- ${source.split('\n')[d.line]?.trim()}`);
}
