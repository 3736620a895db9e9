/** RFC 8693 §3: token type identifiers, as `subject_token_type` and `issued_token_type` name them. */
export const ACCESS_TOKEN_TYPE_URI = 'urn:ietf:params:oauth:token-type:access_token';
export const ID_TOKEN_TYPE_URI = 'urn:ietf:params:oauth:token-type:id_token';
export const REFRESH_TOKEN_TYPE_URI = 'urn:ietf:params:oauth:token-type:refresh_token';

/** The subject and actor token types a token exchange accepts (a client's policy narrows them). */
export const EXCHANGEABLE_TOKEN_TYPES = [ACCESS_TOKEN_TYPE_URI, ID_TOKEN_TYPE_URI] as const;
export type ExchangeableTokenType = (typeof EXCHANGEABLE_TOKEN_TYPES)[number];
