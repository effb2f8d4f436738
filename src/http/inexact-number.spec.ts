import { inexactNumber } from './inexact-number';

describe('inexactNumber', () => {
  it.each([
    ['{"amount":100}'],
    ['{"amount":-7,"ids":[1,2,3],"nested":{"a":[{"b":0}]}}'],
    ['{"meta":{"score":1.5,"big":1e300,"list":[0.1,{"x":2E-3}]},"amount":5}'],
    ['{"note":"1.5 and 1e2 in a string","amount":5}'],
    ['{"q":"a \\" quote, then 2.5","k":"\\\\","amount":5}'],
    ['{"1.5":1}'],
    [' { "amount" : 10 } '],
  ])('finds none in %s', (text) => {
    JSON.parse(text);
    expect(inexactNumber(text)).toBeUndefined();
  });

  it.each([
    ['{"amount":100.0000000000000001}', 'amount'],
    ['{"amount":1e2}', 'amount'],
    ['{"amount":100.0}', 'amount'],
    ['{"fromProfileId":1.0000000000000001,"amount":1}', 'fromProfileId'],
    ['{"prizes":{"WINNER":1E2}}', 'prizes'],
    ['{"TOP4":[3,4.0]}', 'TOP4'],
    ['{"meta":{"x":1},"amount":2.5}', 'amount'],
    ['{"note":"meta","amount":-0.0}', 'amount'],
    ['{"a b":1.5}', undefined],
    ['{"x":{"meta":{"y":1.5}}}', 'x'],
  ])('finds %s, in member %s', (text, member) => {
    JSON.parse(text);
    expect(inexactNumber(text)).toEqual({ member });
  });
});
