<?php

// Laravel's config/broadcasting.php, trimmed to the `pusher` connection. Nothing in it names
// Switchboard: `host`, `port` and `scheme` come from .env (PUSHER_HOST, PUSHER_PORT,
// PUSHER_SCHEME), and the Pusher PHP SDK sends its signed HTTP API requests there.

return [

    // Laravel 11+; Laravel 10 reads env('BROADCAST_DRIVER', 'null').
    'default' => env('BROADCAST_CONNECTION', 'null'),

    'connections' => [

        'pusher' => [
            'driver' => 'pusher',
            'key' => env('PUSHER_APP_KEY'),
            'secret' => env('PUSHER_APP_SECRET'),
            'app_id' => env('PUSHER_APP_ID'),
            'options' => [
                'cluster' => env('PUSHER_APP_CLUSTER'),
                'host' => env('PUSHER_HOST') ?: 'api-'.env('PUSHER_APP_CLUSTER', 'mt1').'.pusher.com',
                'port' => env('PUSHER_PORT', 443),
                'scheme' => env('PUSHER_SCHEME', 'https'),
                'encrypted' => true,
                'useTLS' => env('PUSHER_SCHEME', 'https') === 'https',
            ],
            'client_options' => [
                // Guzzle request options, e.g. a timeout: https://docs.guzzlephp.org/en/stable/request-options.html
            ],
        ],

    ],

];
