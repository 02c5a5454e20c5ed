/** How the console signs people in, as `/console/config.json` says (no DOM here: lib/local reads this type too). */
export type SignInConfig =
  | { readonly signIn: 'token' }
  | {
      readonly signIn: 'cognito';
      /** The hosted sign-in's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
      readonly domain: string;
      readonly clientId: string;
    };
