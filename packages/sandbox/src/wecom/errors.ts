/** A refusal in WeCom's words; thrown by the pure handlers, answered as `{errcode, errmsg}` with HTTP 200. */
export class WxError extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(errmsg);
  }
}

/** The corp named in a path or token does not exist (hooks answer 404). */
export class NoCorp extends Error {}
