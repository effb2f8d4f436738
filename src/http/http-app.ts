import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_PATH = 'docs';

/**
 * What an HTTP app needs beyond its modules, in the server and in tests
 * alike: the OpenAPI document, generated from the code, at /docs (and its
 * JSON at /docs-json). Create the app with `bodyParser: false`: HttpModule
 * parses bodies itself.
 */
export function configureHttpApp(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('DeltaCrown Economy')
      .setDescription(
        'The DeltaCoin ledger: wallets, transfers and profiles. Amounts are whole coins. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup(OPENAPI_PATH, app, document, {
    jsonDocumentUrl: `${OPENAPI_PATH}-json`,
  });
}
