import { CliOutput } from './cli-output';

describe('CliOutput', () => {
  const written = (write: (output: CliOutput) => void): string => {
    const chunks: string[] = [];
    const spy = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        chunks.push(String(chunk));
        return true;
      });
    try {
      write(new CliOutput());
    } finally {
      spy.mockRestore();
    }
    return chunks.join('');
  };

  it('writes bigints as JSON numbers while safe, as exact strings beyond', () => {
    const beyond = 2n ** 53n + 9n;
    const stream = JSON.parse(
      written((output) => {
        const json = output.jsonStream({ dryRun: true }, 'drifts');
        json.item({ ledger: 100n, drift: -(2n ** 53n - 1n) });
        json.item({ ledger: beyond, drift: -beyond });
        json.finish({ checked: 2 });
      }),
    ) as unknown;
    expect(stream).toEqual({
      dryRun: true,
      drifts: [
        { ledger: 100, drift: -Number.MAX_SAFE_INTEGER },
        { ledger: '9007199254741001', drift: '-9007199254741001' },
      ],
      checked: 2,
    });
    expect(
      JSON.parse(written((output) => output.json({ sum: beyond }))),
    ).toEqual({ sum: '9007199254741001' });
  });
});
