export { generateToken, hashToken, bearerToken, tokenPrefix } from './tokens.ts';
export {
  createUserDirectory,
  foldUser,
  userIdFor,
  userStreamId,
  UserError,
  type UserDirectory,
  type UserState,
} from './users.ts';
export {
  principalForToken,
  principalForTokenHash,
  anonymous,
  type Principal,
} from './principal.ts';
export * from './policy.ts';
