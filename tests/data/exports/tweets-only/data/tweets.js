window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1366790401029046272"
          ],
          "editableUntil" : "2021-03-02T17:40:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "andean_news",
            "screen_name" : "andean_news",
            "indices" : [
              "3",
              "15"
            ],
            "id_str" : "90210001",
            "id" : "90210001"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "163"
      ],
      "favorite_count" : "4",
      "id_str" : "1366790401029046272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1366790401029046272",
      "created_at" : "Tue Mar 02 16:40:00 +0000 2021",
      "favorited" : false,
      "full_text" : "RT @andean_news: The foreign ministers of Chile, Colombia, Mexico and Peru signed a joint declaration on trade, climate and the free movem… https://t.co/Qm4vR8sLtA",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1366751394001846272"
          ],
          "editableUntil" : "2021-03-02T15:05:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "PacificAlliance",
            "indices" : [
              "62",
              "78"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "78"
      ],
      "favorite_count" : "4",
      "id_str" : "1366751394001846272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1366751394001846272",
      "created_at" : "Tue Mar 02 14:05:00 +0000 2021",
      "favorited" : false,
      "full_text" : "Arrived in Lima for the Pacific Alliance ministerial meeting. #PacificAlliance",
      "lang" : "en"
    }
  }
]
