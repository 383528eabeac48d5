// A self-signed EC key and certificate made by openssl, for the sandbox's servers on 127.0.0.1: the
// Kubernetes API stand-in's TLS, and the key the registry's token service signs with.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from './process.js';

export interface SelfSigned {
  key: Buffer;
  cert: Buffer;
}

/** Writes `<name>.key` and `<name>.crt` into `folder` and returns both; `what` names it in an error. */
export async function selfSignedCertificate(
  folder: string,
  options: { name: string; subject: string; days: number; subjectAltName?: string; what: string },
): Promise<SelfSigned> {
  const [keyFile, certFile] = [join(folder, `${options.name}.key`), join(folder, `${options.name}.crt`)];
  const made = await runProcess('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(options.days),
    '-subj',
    options.subject,
    ...(options.subjectAltName ? ['-addext', `subjectAltName=${options.subjectAltName}`] : []),
  ]).catch((error: Error) => ({ exitCode: 127, stdout: '', stderr: error.message }));
  if (made.exitCode !== 0) throw new Error(`openssl could not make ${options.what}: ${made.stderr}`);
  return { key: await readFile(keyFile), cert: await readFile(certFile) };
}
