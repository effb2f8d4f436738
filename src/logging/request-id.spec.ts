import type { IncomingMessage } from 'node:http';
import { requestIdOf } from './request-id';

const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const withHeader = (value?: string | string[]) =>
  ({
    headers: value === undefined ? {} : { 'x-request-id': value },
  }) as IncomingMessage;

describe('requestIdOf', () => {
  it.each([
    ['one character', 'a'],
    ['128 printable characters', ` !~${'z'.repeat(125)}`],
    ['a UUID of its own', '0f8fad5b-d9cb-469f-a165-70867728950e'],
  ])("keeps the caller's id: %s", (_, given) => {
    expect(requestIdOf(withHeader(given))).toBe(given);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['129 characters', 'x'.repeat(129)],
    ['a tab', 'a\tb'],
    ['a line break', 'a\nb'],
    ['DEL', 'a\x7fb'],
    ['a character beyond ASCII', 'caf\u00e9'],
  ])('generates a UUID when the id is %s', (_, given) => {
    expect(requestIdOf(withHeader(given))).toMatch(UUID);
  });

  it('generates a new id each time', () => {
    expect(requestIdOf(withHeader())).not.toBe(requestIdOf(withHeader()));
  });
});
