/** One problem in a configuration file. `line` is 0 when the file as a whole is at fault. */
export interface ConfigError {
  file: string;
  line: number;
  message: string;
}

/** `file:line: message`, the form editors and compilers use, so users can jump to the line. */
export function formatConfigError(error: ConfigError): string {
  return error.line > 0 ? `${error.file}:${error.line}: ${error.message}` : `${error.file}: ${error.message}`;
}

/** Errors in file order; errors of one line keep the order they were found in. */
export function sortConfigErrors(errors: readonly ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => a.line - b.line);
}
