import { newApiKey } from '../auth/new-api-key.ts';

export const KEYS_USAGE = `usage: gateway keys new NAME

  Prints a new random API key for NAME and the lines that configure it
  under auth.api_keys. The key is shown once; the config keeps its hash.`;

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** `keys new NAME`: returns the exit status. */
export async function keysCommand(args: readonly string[], print: (text: string) => void, printError: (text: string) => void): Promise<number> {
  const rest = args[0] === '--' ? args.slice(1) : args;
  if (rest[0] === '-h' || rest[0] === '--help' || rest[0] === 'help') {
    print(KEYS_USAGE);
    return 0;
  }
  if (rest[0] !== 'new' || rest.length !== 2) {
    printError(KEYS_USAGE);
    return 2;
  }
  const name = rest[1]!;
  if (!NAME.test(name)) {
    printError(`gateway: keys new: "${name}" is not a key name; use 1 to 64 letters, digits, "_", "-", "." or "@"`);
    return 2;
  }
  const { key, sha256 } = await newApiKey();
  print(
    `API key for ${name} (shown only now; give it to the client, the gateway keeps only its hash):\n\n  ${key}\n\n` +
      `Add to the config under auth.api_keys:\n\n    - name: ${name}\n      key_sha256: "${sha256}"\n`,
  );
  return 0;
}
