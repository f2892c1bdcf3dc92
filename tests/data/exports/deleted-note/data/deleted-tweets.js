window.YTD.deleted_tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1759895671403446272"
          ],
          "editableUntil" : "2024-02-20T12:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/Zp0LwN3bQa",
            "expanded_url" : "https://twitter.com/i/web/status/1759895671403446272",
            "display_url" : "twitter.com/i/web/status/1…",
            "indices" : [
              "137",
              "160"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "160"
      ],
      "favorite_count" : "4",
      "id_str" : "1759895671403446272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1759895671403446272",
      "created_at" : "Tue Feb 20 11:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Today we mark ten years of the bilateral scholarship programme: 412 students have studied in both countries, and many of them now teach… https://t.co/Zp0LwN3bQa",
      "lang" : "en",
      "deleted_at" : "Wed Feb 21 09:00:00 +0000 2024"
    }
  }
]
